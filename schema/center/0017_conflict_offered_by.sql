-- Issue 61: a conflict keeps which PC offered the other version (its device code and key), and a
-- status event may name the one device that hears it (`recipient_device`; '' = the PCs that sent the
-- application, as before). A conflict decision goes to the PC that offered the version it is about,
-- never to the PC whose version the center held (records.resolve_conflict, records.events_after).
ALTER TABLE "conflict" ADD COLUMN "offered_device" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "conflict" ADD COLUMN "offered_key" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "conflict" ADD COLUMN "existing_device" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "status_event" ADD COLUMN "recipient_device" VARCHAR(255) NOT NULL DEFAULT '';
