-- Issue 89: a PC's own USB file is its own last sight (one PC's file never speaks for another of its kecamatan):
-- when the center last read a batch file this PC signed, with or without a report.
ALTER TABLE "fleet_latest" ADD COLUMN "usb_at" {DATETIME};
