-- Issue 26: the key of a link the admin unlinked ("Putus"), kept until the next enrolment proves with
-- it that this PC held it, so the center serves the new key the statuses of what the old one sent.
CREATE TABLE "sync_retired_key" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "key_id" VARCHAR(255) NOT NULL,
    "secret" TEXT NOT NULL,
    "retired_at" DATETIME NOT NULL);
