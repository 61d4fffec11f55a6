-- The audit trail's Pengguna filter: every view of personal data is recorded, so the trail grows
-- by thousands of rows a day. By `username` alone it read every row newer than the 50th match
-- (48 ms at 1M rows for a name with no rows); by this index, the matches only, newest first.
CREATE INDEX "audit_event_username" ON "audit_event" ("username");
