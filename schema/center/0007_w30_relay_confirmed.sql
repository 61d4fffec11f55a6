-- Issue 30, kept only as long as needed: how far each counter PC's key has taken the relay inbox
-- (its cursor, which confirms every pre-registration up to it). Once every live counter key of
-- the kecamatan is past a relayed form, the center drops its record and photo
-- (sync/center/retention.py); number, version and hash stay, so a desa's re-send is still known.

ALTER TABLE "device_key" ADD COLUMN "relay_confirmed_seq" INTEGER NOT NULL DEFAULT 0;
