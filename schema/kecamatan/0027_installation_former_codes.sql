-- Issue 26, third round: the device codes this PC numbered with before it enrolled again (its key revoked,
-- a new code from the center), space-separated. Numbers made under them are still this PC's own: a status
-- for one it holds no outbox row of (a backup from before it went out was restored) is kept for a person,
-- never passed over as another PC's (sync/client/statuses.py).
ALTER TABLE "installation" ADD COLUMN "former_codes" VARCHAR(255) NOT NULL DEFAULT '';
