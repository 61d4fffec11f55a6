-- Foundation: accounts, login throttling, audit trail, office settings.
PRAGMA application_id = 1280001347; -- 'LKEC': lets restore refuse foreign SQLite files

CREATE TABLE "user" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "username" VARCHAR(255) NOT NULL,
    "full_name" VARCHAR(255) NOT NULL,
    "nip" VARCHAR(255) NOT NULL,
    "role" VARCHAR(255) NOT NULL,
    "password_hash" TEXT NOT NULL,
    "must_change_password" INTEGER NOT NULL,
    "is_active" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    "password_changed_at" DATETIME,
    "last_login_at" DATETIME
);
CREATE UNIQUE INDEX "user_username" ON "user" ("username");

CREATE TABLE "login_attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "username" VARCHAR(255) NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL,
    "succeeded" INTEGER NOT NULL
);
CREATE INDEX "login_attempt_username" ON "login_attempt" ("username");
CREATE INDEX "login_attempt_address" ON "login_attempt" ("address");
CREATE INDEX "login_attempt_at" ON "login_attempt" ("at");

CREATE TABLE "audit_event" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "user_id" INTEGER,
    "username" VARCHAR(255) NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "action" VARCHAR(255) NOT NULL,
    "entity" VARCHAR(255) NOT NULL,
    "entity_id" VARCHAR(255) NOT NULL,
    "summary" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT
);
CREATE INDEX "audit_event_at" ON "audit_event" ("at");
CREATE INDEX "audit_event_action" ON "audit_event" ("action");
CREATE INDEX "audit_event_entity" ON "audit_event" ("entity");
-- The audit trail is append-only, whatever code runs against the file.
CREATE TRIGGER "audit_event_no_update" BEFORE UPDATE ON "audit_event"
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TRIGGER "audit_event_no_delete" BEFORE DELETE ON "audit_event"
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;

CREATE TABLE "setting" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);

CREATE TABLE "stored_file" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "content" BLOB NOT NULL,
    "mime_type" VARCHAR(255) NOT NULL,
    "updated_at" DATETIME NOT NULL
);
