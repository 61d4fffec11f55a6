-- "Sinkronkan sekarang" pressed while a pass was running: one more pass is owed, to start after that
-- pass ends. Whichever process ends a pass next (the server's thread or `run.py sync`) runs it, or the
-- server's scheduler on its next tick; the pass that starts clears it (sync/client/engine.py). NULL: none owed.
ALTER TABLE "sync_link" ADD COLUMN "pass_requested_at" DATETIME;
