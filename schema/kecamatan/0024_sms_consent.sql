-- Issue 28: the citizen's phone number for one SMS per event (the card ready for pickup, the
-- complaint closed), kept only when the citizen ticked consent at the counter; it travels to the
-- center with the public status record and is never shown to a role that does not need it.
ALTER TABLE "public_status" ADD COLUMN "sms_phone" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "public_status" ADD COLUMN "sms_consent_at" DATETIME;
