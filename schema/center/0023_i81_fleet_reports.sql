-- Issue 81: every PC reports its health with each pass (sync/center/fleet.py). `fleet_report`: its last
-- reports as sent (JSON: version, last update's outcome, backup's age and where, free disk, trail gaps,
-- errors, queued items, the office's telephone) with the clock offset the center read from the signed
-- request; `fleet_latest`: one row per PC, its latest report and its clock as last read (a report, or a
-- request refused for its time).
CREATE TABLE "fleet_report" (
    "id" {ID},
    "device_key_id" INTEGER NOT NULL,
    "received_at" {DATETIME} NOT NULL,
    "clock_offset" INTEGER NOT NULL,
    "report" TEXT NOT NULL,
    FOREIGN KEY ("device_key_id") REFERENCES "device_key" ("id") ON DELETE CASCADE);
CREATE INDEX "fleet_report_device_key_id_id" ON "fleet_report" ("device_key_id", "id");
CREATE TABLE "fleet_latest" (
    "id" {ID},
    "device_key_id" INTEGER NOT NULL,
    "received_at" {DATETIME},
    "report" TEXT NOT NULL DEFAULT '',
    "clock_offset" INTEGER NOT NULL DEFAULT 0,
    "clock_at" {DATETIME},
    FOREIGN KEY ("device_key_id") REFERENCES "device_key" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "fleet_latest_device_key_id" ON "fleet_latest" ("device_key_id");
