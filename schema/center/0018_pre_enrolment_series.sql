-- Issue 61: how many numbers a counter PC says it made before its enrolment, under its LOKET_DEVICE_ID
-- (`device_id`). A second PC of the kecamatan that numbered under the same id is told to give the ones
-- it never sent new numbers in its own series (keys.pre_enrolment_series_taken): two PCs of one office
-- never hold one number for two people.
ALTER TABLE "device_key" ADD COLUMN "numbered_before" INTEGER NOT NULL DEFAULT 0;
