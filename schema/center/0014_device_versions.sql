-- Issue 44: what each PC runs, as its signed requests report it (protocol 7, X-Loket-Version), for
-- the pages that show which PCs still need the update. 0 / '': not reported since this level
-- (a version 6 PC reports nothing: it is recorded as 6 at its next request).
ALTER TABLE "device_key" ADD COLUMN "protocol_version" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "device_key" ADD COLUMN "app_version" VARCHAR(32) NOT NULL DEFAULT '';
