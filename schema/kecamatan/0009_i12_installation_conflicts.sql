-- Issue 12: this installation's identity in registration numbers, and center events that
-- could not be applied (shown on the applicant's page and the sync page).

-- One row. device_code: issued by the center at enrolment (NULL until then: LOKET_DEVICE_ID).
-- token: random, sent at enrolment so a retry after a lost answer gets the same key back.
-- generation: raised by every restore; numbers of generation g start at g * 1,000,000 + 1, so a
-- restored database never hands out a number it handed out before.
CREATE TABLE IF NOT EXISTS "installation" (
    "id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" = 1),
    "device_code" VARCHAR(8),
    "generation" INTEGER NOT NULL DEFAULT 0,
    "token" VARCHAR(64));
INSERT OR IGNORE INTO "installation" ("id", "device_code", "generation") VALUES (1, NULL, 0);

CREATE TABLE "sync_status_issue" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "seq" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "reason" TEXT NOT NULL,
    "problem" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "resolved_at" DATETIME);
CREATE INDEX "sync_status_issue_registration_number" ON "sync_status_issue" ("registration_number");
CREATE INDEX "sync_status_issue_resolved_at" ON "sync_status_issue" ("resolved_at");
