-- Operator sessions kept on the server and the one throttle's table (issue 13; app/frame/signin.py,
-- app/frame/throttle.py): the same shape as the kecamatan's.
CREATE TABLE "staff_session" (
    "id" {ID},
    "token_hash" VARCHAR(255) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "created_at" {DATETIME} NOT NULL,
    "last_seen_at" {DATETIME} NOT NULL,
    "ended_at" {DATETIME});
CREATE UNIQUE INDEX "staff_session_token_hash" ON "staff_session" ("token_hash");
CREATE INDEX "staff_session_user_id" ON "staff_session" ("user_id");

CREATE TABLE "throttle_hit" (
    "id" {ID},
    "scope" VARCHAR(255) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "at" {DATETIME} NOT NULL);
CREATE INDEX "throttle_hit_scope_key_at" ON "throttle_hit" ("scope", "key", "at");
