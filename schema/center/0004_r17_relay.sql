-- Issue 17, the relay desa -> center -> kecamatan: a desa PC gets its own key bound to its
-- kecamatan and desa; its pre-registrations wait here for the kecamatan (pulled by cursor), and
-- the kecamatan's statuses of them wait for the desa (pulled by cursor). The center only relays.

ALTER TABLE "device_key" ADD COLUMN "desa_code" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "device_key" ADD COLUMN "desa_generation" INTEGER NOT NULL DEFAULT 0;
-- One counter per kecamatan for both relay tables: bumping it locks the row, so rows of one
-- kecamatan commit in seq order and neither cursor ever skips one.
ALTER TABLE "kecamatan" ADD COLUMN "relay_seq" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "relay_item" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "desa_code" VARCHAR(255) NOT NULL,
    "device_code" VARCHAR(255) NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "record_json" TEXT NOT NULL,
    "photo" {BLOB},
    "photo_sha256" VARCHAR(255) NOT NULL,
    "received_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "relay_item_number_version" ON "relay_item" ("number", "version");
CREATE UNIQUE INDEX "relay_item_kecamatan_id_seq" ON "relay_item" ("kecamatan_id", "seq");

CREATE TABLE "relay_status" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "desa_code" VARCHAR(255) NOT NULL,
    "device_code" VARCHAR(255) NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "step" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "pra_version" INTEGER NOT NULL,
    "pra_hash" VARCHAR(255) NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "label" VARCHAR(255) NOT NULL,
    "reason" TEXT NOT NULL,
    "application_number" VARCHAR(255) NOT NULL,
    "at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "relay_status_number_step" ON "relay_status" ("number", "step");
CREATE UNIQUE INDEX "relay_status_kecamatan_id_seq" ON "relay_status" ("kecamatan_id", "seq");
CREATE INDEX "relay_status_kecamatan_id_desa_code_seq" ON "relay_status" ("kecamatan_id", "desa_code", "seq");

-- Desa enrolment tickets used (one-time, with a short retry window for a lost answer) and the
-- key generation of each desa as its kecamatan last said (older desa keys are revoked).
CREATE TABLE "relay_ticket" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "ticket_id" VARCHAR(255) NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "installation" VARCHAR(255) NOT NULL,
    "used_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "relay_ticket_ticket_id" ON "relay_ticket" ("ticket_id");

CREATE TABLE "relay_desa" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "desa_code" VARCHAR(255) NOT NULL,
    "generation" INTEGER NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "relay_desa_kecamatan_id_desa_code" ON "relay_desa" ("kecamatan_id", "desa_code");
