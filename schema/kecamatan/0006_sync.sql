-- Sync with the regency printing center: the outbox, the link's state and its log (issue 6).

CREATE TABLE "sync_outbox" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "application_id" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "record_json" TEXT NOT NULL,
    "photo_sha256" VARCHAR(255) NOT NULL,
    "size" INTEGER NOT NULL,
    "state" VARCHAR(255) NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" DATETIME,
    "last_error" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "acked_at" DATETIME,
    FOREIGN KEY ("application_id") REFERENCES "application" ("id") ON DELETE CASCADE);
CREATE INDEX "sync_outbox_application_id" ON "sync_outbox" ("application_id");
CREATE INDEX "sync_outbox_state" ON "sync_outbox" ("state");
CREATE UNIQUE INDEX "sync_outbox_registration_number_version" ON "sync_outbox" ("registration_number", "version");

CREATE TABLE "sync_link" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "center_url" VARCHAR(255) NOT NULL,
    "kecamatan_code" VARCHAR(255) NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "secret" TEXT NOT NULL,
    "enrolled_at" DATETIME NOT NULL,
    "status_cursor" INTEGER NOT NULL,
    "last_attempt_at" DATETIME,
    "last_success_at" DATETIME,
    "last_probe_at" DATETIME,
    "last_probe_ok" INTEGER NOT NULL,
    "last_full_sync_on" VARCHAR(255) NOT NULL,
    "last_error" TEXT NOT NULL);

CREATE TABLE "sync_log" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "kind" VARCHAR(255) NOT NULL,
    "summary" TEXT NOT NULL);
CREATE INDEX "sync_log_at" ON "sync_log" ("at");
