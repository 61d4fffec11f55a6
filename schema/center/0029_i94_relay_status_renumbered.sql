-- Issue 94, finding 6: Kesehatan Komputer lists a counter PC of a version that passes a renumber over with the
-- relayed forms of its kecamatan whose application the center renumbered (fleet.old_queue_numbers). Those rows
-- are few among a kecamatan's relay statuses, which are kept: read by this partial index, not by a scan.
CREATE INDEX "relay_status_renumbered" ON "relay_status" ("kecamatan_id") WHERE "renumbered_from" <> '';
