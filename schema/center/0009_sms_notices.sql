-- Issue 28: one SMS per event (card ready for pickup, complaint closed) to a citizen who gave a
-- phone number and ticked consent at the counter. The consent (the number sealed with the server
-- key) lives as long as the public status record; each message written to the SMS gateway's outbox
-- is remembered by its key, so a retried or killed ingest never writes it twice.
CREATE TABLE "sms_consent" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "phone_sealed" TEXT NOT NULL,
    "given_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "sms_consent_kecamatan_id_number" ON "sms_consent" ("kecamatan_id", "number");
CREATE TABLE "sms_message" (
    "id" {ID},
    "key" VARCHAR(255) NOT NULL,
    "kecamatan_id" INTEGER NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "event" VARCHAR(255) NOT NULL,
    "gateway_id" INTEGER,
    "written_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "sms_message_key" ON "sms_message" ("key");
CREATE INDEX "sms_message_kecamatan_id_number" ON "sms_message" ("kecamatan_id", "number");
