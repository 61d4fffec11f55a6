-- Issue 24, one live identity per PC: a counter PC restored from another PC's backup may take over
-- that PC's device code ("PC ini menggantikan PC P1"); the old key is then refused with the name of
-- the key that replaced it. `machine` names the replacing PC (a hash), so a retry after a lost
-- answer gets the same key back. Each application remembers the device code of the key that sent
-- it, so a PC's status cursor carries its own applications only.

ALTER TABLE "device_key" ADD COLUMN "replaced_by" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "device_key" ADD COLUMN "machine" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "received_application" ADD COLUMN "sender_device" VARCHAR(255) NOT NULL DEFAULT '';
