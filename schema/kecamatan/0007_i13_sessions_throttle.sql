-- Staff sessions kept on the server (issue 13): logout and a password change end them everywhere,
-- idle and absolute lifetimes are checked here, not trusted to the cookie.
CREATE TABLE "staff_session" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(255) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL,
    "last_seen_at" DATETIME NOT NULL,
    "ended_at" DATETIME
);
CREATE UNIQUE INDEX "staff_session_token_hash" ON "staff_session" ("token_hash");
CREATE INDEX "staff_session_user_id" ON "staff_session" ("user_id");

-- One throttle for every door (login, kiosk, survey, center login): attempts per scope and key.
CREATE TABLE "throttle_hit" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "scope" VARCHAR(255) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL
);
CREATE INDEX "throttle_hit_scope_key_at" ON "throttle_hit" ("scope", "key", "at");

-- Login failures now live in throttle_hit (scope "masuk"); the kiosk's attempts too (scope "kios_*").
DROP TABLE "login_attempt";
DROP TABLE "kiosk_attempt";
