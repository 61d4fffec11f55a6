-- Issue 60: releases rolled out in rings. `pilot_since`: when the regency admin made this PC a pilot
-- (NULL: it takes releases once they are released to everyone). `served_timestamp` and
-- `served_snapshot`: the newest timestamp this PC was handed and the snapshot it named, so that no
-- PC is ever handed an older snapshot than it has seen (a pilot taken out of the ring keeps the pilot
-- timestamp until everyone's catches up: sync/center/updates.py). `update_health`: the PC's report
-- after an update (JSON: version, walk, pages, failed, at, errors_since; '' before any).
ALTER TABLE "device_key" ADD COLUMN "pilot_since" {DATETIME};
ALTER TABLE "device_key" ADD COLUMN "served_timestamp" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "device_key" ADD COLUMN "served_snapshot" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "device_key" ADD COLUMN "update_health" TEXT NOT NULL DEFAULT '';
ALTER TABLE "device_key" ADD COLUMN "update_health_at" {DATETIME};
