-- Issue 26: a counter PC whose key the center revoked and which enrols again (a new device code,
-- P1 becomes P3) proves it held the revoked key (sync/center/keys.follow_revoked_key); its new key
-- then names the revoked one here and hears the statuses of what it sent under the old device code.
-- NULL for every other key; unique, so a revoked key is followed by one key at most.
ALTER TABLE "device_key" ADD COLUMN "previous_key" VARCHAR(255);
CREATE UNIQUE INDEX "device_key_previous_key" ON "device_key" ("previous_key");
