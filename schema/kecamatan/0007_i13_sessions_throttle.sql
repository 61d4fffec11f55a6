-- Staff sessions kept on the server (issue 13): logout and a password change end them everywhere,
-- idle and absolute lifetimes are checked here, not trusted to the cookie.
CREATE TABLE "staff_session" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "user_id" INTEGER NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL,
    "last_seen_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE INDEX "staff_session_user_id" ON "staff_session" ("user_id");

-- One throttle for every door (login, kiosk, survey, center login): attempts per scope and key.
CREATE TABLE "throttle_hit" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "scope" VARCHAR(32) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL);
CREATE INDEX "throttle_hit_scope_key_at" ON "throttle_hit" ("scope", "key", "at");
