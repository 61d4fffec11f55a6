-- Issue 17, relay desa -> center -> kecamatan: the outbox carries records of several kinds
-- (KTP-el applications 'permohonan', a desa PC's pre-registrations 'pra', the kecamatan's
-- statuses of relayed pre-registrations 'pra_status'), so it names the kind and points at its
-- source row by number instead of by a foreign key into one table. The same migrations run on
-- a desa PC's desa.sqlite3.

CREATE TABLE "sync_outbox_new" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "kind" VARCHAR(255) NOT NULL,
    "source_id" INTEGER NOT NULL,
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
    "acked_at" DATETIME);
INSERT INTO "sync_outbox_new" ("id", "kind", "source_id", "registration_number", "version", "content_hash",
    "record_json", "photo_sha256", "size", "state", "attempts", "next_attempt_at", "last_error", "created_at",
    "acked_at")
    SELECT "id", 'permohonan', "application_id", "registration_number", "version", "content_hash", "record_json",
           "photo_sha256", "size", "state", "attempts", "next_attempt_at", "last_error", "created_at", "acked_at"
    FROM "sync_outbox";
DROP TABLE "sync_outbox";
ALTER TABLE "sync_outbox_new" RENAME TO "sync_outbox";
CREATE INDEX "sync_outbox_kind_source_id" ON "sync_outbox" ("kind", "source_id");
CREATE INDEX "sync_outbox_state" ON "sync_outbox" ("state");
CREATE UNIQUE INDEX "sync_outbox_registration_number_version" ON "sync_outbox" ("registration_number", "version");

-- A link is a kecamatan's or a desa PC's ('desa': its pre-registrations go to the center's relay);
-- the kecamatan also pulls relayed pre-registrations by their own cursor.
ALTER TABLE "sync_link" ADD COLUMN "role" VARCHAR(255) NOT NULL DEFAULT 'kecamatan';
ALTER TABLE "sync_link" ADD COLUMN "relay_cursor" INTEGER NOT NULL DEFAULT 0;

-- A relayed pre-registration: the version and content hash it travelled with (the status events'
-- guard), the last relay status (at the kecamatan: sent to the desa; at the desa: received),
-- its step counter, note, the application number it became and when.
ALTER TABLE "pre_registration" ADD COLUMN "relay_version" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "pre_registration" ADD COLUMN "relay_hash" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "pre_registration" ADD COLUMN "relay_status" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "pre_registration" ADD COLUMN "relay_step" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "pre_registration" ADD COLUMN "relay_note" TEXT NOT NULL DEFAULT '';
ALTER TABLE "pre_registration" ADD COLUMN "relay_application_number" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "pre_registration" ADD COLUMN "relay_at" DATETIME;
