-- Issue 28: the public status page. The newest public record of each application and complaint a
-- kecamatan follows (a step, dates, public follow-up text; never a name, NIK, address, photo or a
-- confidential complaint's text), found by tracking number and checked against a keyed digest of
-- the slip's check code; deleted a set time after the card is handed over or the complaint closed.
CREATE TABLE "public_status" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "kind" VARCHAR(255) NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "code_key" VARCHAR(255) NOT NULL,
    "record_json" TEXT NOT NULL,
    "final_at" {DATETIME},
    "received_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "public_status_kecamatan_id_number" ON "public_status" ("kecamatan_id", "number");
CREATE INDEX "public_status_number" ON "public_status" ("number");
CREATE INDEX "public_status_final_at" ON "public_status" ("final_at");
