-- Issue 94, finding 5 (a day off): when a PC signed again after a silence (switched off, or without a link), so the
-- center waits for the running version's first pass before it reads a report a day old as a version that sends
-- none (sync/center/updates.version_that_runs). NULL: never seen since this column came.
ALTER TABLE "device_key" ADD COLUMN "back_at" {DATETIME};
