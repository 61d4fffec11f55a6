-- Issue 12: events carry the content hash they are about; conflicts keep the offered photo and
-- the operator's decision; each kecamatan issues its own device numbers; enrolment answers are
-- kept for a short retry window.

ALTER TABLE "status_event" ADD COLUMN "content_hash" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "conflict" ADD COLUMN "offered_photo" {BLOB};
ALTER TABLE "conflict" ADD COLUMN "decision" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "kecamatan" ADD COLUMN "device_seq" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "kecamatan" ADD COLUMN "enrolment_used_at" {DATETIME};
ALTER TABLE "kecamatan" ADD COLUMN "enrolment_key_id" VARCHAR(255);
ALTER TABLE "kecamatan" ADD COLUMN "enrolment_installation" VARCHAR(255);
ALTER TABLE "device_key" ADD COLUMN "device_code" VARCHAR(255) NOT NULL DEFAULT '';
UPDATE "status_event" SET "content_hash" = (SELECT "content_hash" FROM "received_application" r
    WHERE r."id" = "status_event"."application_id");

