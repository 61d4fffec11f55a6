-- Issue 81: an office without a link carries its health report in every USB batch file; the center keeps it
-- as a pass's, but a file cannot tell the PC's clock: its clock_offset stays unmeasured (NULL), never invented.
-- SQLite cannot drop a NOT NULL: the table is made anew (on PostgreSQL too, its id sequence set past the rows).
CREATE TABLE "fleet_report_new" (
    "id" {ID},
    "device_key_id" INTEGER NOT NULL,
    "received_at" {DATETIME} NOT NULL,
    "clock_offset" INTEGER,
    "report" TEXT NOT NULL,
    FOREIGN KEY ("device_key_id") REFERENCES "device_key" ("id") ON DELETE CASCADE);
INSERT INTO "fleet_report_new" ("id", "device_key_id", "received_at", "clock_offset", "report")
    SELECT "id", "device_key_id", "received_at", "clock_offset", "report" FROM "fleet_report";
DROP TABLE "fleet_report";
ALTER TABLE "fleet_report_new" RENAME TO "fleet_report";
CREATE INDEX "fleet_report_device_key_id_id" ON "fleet_report" ("device_key_id", "id");
{PG} SELECT setval(pg_get_serial_sequence('fleet_report', 'id'), COALESCE((SELECT MAX("id") FROM "fleet_report"), 0) + 1, false);
