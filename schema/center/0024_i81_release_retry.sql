-- Issue 81: a release the regency admin marked "coba lagi" (sync/center/updates.retry_release): how many
-- times, and when last. The count goes to every PC with its probe; a PC that refused or took back that
-- version and has not yet seen this count takes it off its failed versions (app/updates/state.take_retries).
CREATE TABLE "release_retry" (
    "id" {ID},
    "version" VARCHAR(255) NOT NULL,
    "marks" INTEGER NOT NULL,
    "marked_at" {DATETIME} NOT NULL);
CREATE UNIQUE INDEX "release_retry_version" ON "release_retry" ("version");
