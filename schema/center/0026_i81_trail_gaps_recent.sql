-- Issue 81: a PC reports the writes without their trail since its last report, so its next report says 0;
-- the regency's page keeps the problem for a week after the last report that carried any
-- (sync/center/fleet.TRAIL_GAPS_SHOWN): the week's count and the last such report's time, kept at each report.
ALTER TABLE "fleet_latest" ADD COLUMN "trail_gaps_recent" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "fleet_latest" ADD COLUMN "trail_gaps_at" {DATETIME};
