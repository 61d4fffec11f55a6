-- Issue 30: on PostgreSQL the applicants' personal fields and photos are sealed with the server key
-- (sync/center/sealed.py); a sealed name is longer than 255 characters may allow. The rows written
-- in the clear before are sealed at start-up (sync/center/keys.py seal_legacy_personal). SQLite
-- stores any length and its file is encrypted whole: nothing to change there.

{PG} ALTER TABLE "received_application" ALTER COLUMN "full_name" TYPE TEXT;
