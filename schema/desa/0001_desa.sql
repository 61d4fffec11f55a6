-- The desa PC's own tables (app/programs/desa.py): what its capabilities, the frame and the sync
-- client read and write, as the kecamatan's schema (level 27) has them, without the kecamatan's own
-- (applications, complaints, survey, recap, figures). A database made before, under the kecamatan's
-- schema, is converted to this level by app/frame/migrations.migrate_desa.
PRAGMA application_id = 1280001348; -- 'LKED': a desa PC's database; restore tells it from a kecamatan's ('LKEC')
CREATE TABLE "setting" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);
CREATE TRIGGER "figure_version_setting_insert" AFTER INSERT ON "setting" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_setting_update" AFTER UPDATE ON "setting" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_setting_delete" AFTER DELETE ON "setting" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_part_setting_insert" AFTER INSERT ON "setting" BEGIN INSERT INTO "figure_part" ("part", "n") VALUES ('', random()) ON CONFLICT ("part") DO UPDATE SET "n" = excluded."n"; END;
CREATE TRIGGER "figure_part_setting_update" AFTER UPDATE ON "setting" BEGIN INSERT INTO "figure_part" ("part", "n") VALUES ('', random()) ON CONFLICT ("part") DO UPDATE SET "n" = excluded."n"; END;
CREATE TRIGGER "figure_part_setting_delete" AFTER DELETE ON "setting" BEGIN INSERT INTO "figure_part" ("part", "n") VALUES ('', random()) ON CONFLICT ("part") DO UPDATE SET "n" = excluded."n"; END;
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
CREATE TABLE "throttle_hit" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "scope" VARCHAR(255) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL
);
CREATE INDEX "throttle_hit_scope_key_at" ON "throttle_hit" ("scope", "key", "at");
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
CREATE INDEX "audit_event_username" ON "audit_event" ("username");
CREATE TRIGGER "audit_event_no_update" BEFORE UPDATE ON "audit_event"
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TRIGGER "audit_event_no_delete" BEFORE DELETE ON "audit_event"
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TABLE "form_submission" (
    "token" VARCHAR(255) NOT NULL PRIMARY KEY,
    "endpoint" VARCHAR(255) NOT NULL,
    "result_url" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL
);
CREATE INDEX "form_submission_at" ON "form_submission" ("at");
CREATE TABLE "installation" (
    "id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" = 1),
    "device_code" VARCHAR(8),
    "generation" INTEGER NOT NULL DEFAULT 0,
    "token" VARCHAR(64), "machine" VARCHAR(64), "former_codes" VARCHAR(255) NOT NULL DEFAULT '');
CREATE TABLE "stored_file" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "content" BLOB NOT NULL,
    "mime_type" VARCHAR(255) NOT NULL,
    "updated_at" DATETIME NOT NULL
);
CREATE TABLE "office_day" (
    "day" DATE NOT NULL PRIMARY KEY,
    "kind" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL
);
CREATE TRIGGER "figure_version_office_day_insert" AFTER INSERT ON "office_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_office_day_update" AFTER UPDATE ON "office_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_office_day_delete" AFTER DELETE ON "office_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_part_office_day_insert" AFTER INSERT ON "office_day" BEGIN INSERT INTO "figure_part" ("part", "n") VALUES ('', random()) ON CONFLICT ("part") DO UPDATE SET "n" = excluded."n"; END;
CREATE TRIGGER "figure_part_office_day_update" AFTER UPDATE ON "office_day" BEGIN INSERT INTO "figure_part" ("part", "n") VALUES ('', random()) ON CONFLICT ("part") DO UPDATE SET "n" = excluded."n"; END;
CREATE TRIGGER "figure_part_office_day_delete" AFTER DELETE ON "office_day" BEGIN INSERT INTO "figure_part" ("part", "n") VALUES ('', random()) ON CONFLICT ("part") DO UPDATE SET "n" = excluded."n"; END;
CREATE TABLE "registration_sequence" (
    "prefix" VARCHAR(255) NOT NULL PRIMARY KEY,
    "last_value" INTEGER NOT NULL
);
CREATE TABLE "figure_version" ("id" INTEGER NOT NULL PRIMARY KEY, "n" INTEGER NOT NULL);
CREATE TABLE "figure_part" ("part" TEXT NOT NULL PRIMARY KEY, "n" INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE "user_desa" (
    "user_id" INTEGER NOT NULL,
    "desa_code" VARCHAR(255) NOT NULL,
    PRIMARY KEY ("user_id", "desa_code"),
    FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE TABLE "pre_registration" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "number" VARCHAR(255) NOT NULL,
    "nik" VARCHAR(255) NOT NULL,
    "kk_number" VARCHAR(255) NOT NULL,
    "full_name" VARCHAR(255) NOT NULL,
    "birth_place" VARCHAR(255) NOT NULL,
    "birth_date" DATE NOT NULL,
    "sex" VARCHAR(255) NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "rt" VARCHAR(255) NOT NULL,
    "rw" VARCHAR(255) NOT NULL,
    "desa_code" VARCHAR(255) NOT NULL,
    "religion" VARCHAR(255) NOT NULL,
    "marital_status" VARCHAR(255) NOT NULL,
    "occupation" VARCHAR(255) NOT NULL,
    "phone" VARCHAR(255) NOT NULL,
    "reason" VARCHAR(255) NOT NULL,
    "biometric_done" INTEGER NOT NULL,
    "notes" TEXT NOT NULL,
    "mismatch_reason" TEXT NOT NULL,
    "photo_jpeg" BLOB,
    "photo_background" VARCHAR(255) NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "source" VARCHAR(255) NOT NULL,
    "entered_by_name" VARCHAR(255) NOT NULL,
    "entered_at" DATETIME NOT NULL,
    "expires_on" DATE NOT NULL,
    "created_by_id" INTEGER,
    "application_id" INTEGER,             -- the kecamatan's application; a desa PC has none (always NULL)
    "accepted_at" DATETIME,
    "accepted_by_id" INTEGER,
    "differences" TEXT NOT NULL,
    "relay_version" INTEGER NOT NULL DEFAULT 0,
    "relay_hash" VARCHAR(255) NOT NULL DEFAULT '',
    "relay_status" VARCHAR(255) NOT NULL DEFAULT '',
    "relay_step" INTEGER NOT NULL DEFAULT 0,
    "relay_note" TEXT NOT NULL DEFAULT '',
    "relay_application_number" VARCHAR(255) NOT NULL DEFAULT '',
    "relay_at" DATETIME,
    FOREIGN KEY ("created_by_id") REFERENCES "user" ("id") ON DELETE SET NULL,
    FOREIGN KEY ("accepted_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "pre_registration_number" ON "pre_registration" ("number");
CREATE INDEX "pre_registration_nik" ON "pre_registration" ("nik");
CREATE INDEX "pre_registration_desa_code_status_id" ON "pre_registration" ("desa_code", "status", "id");
CREATE INDEX "pre_registration_status_id" ON "pre_registration" ("status", "id");
CREATE TABLE "public_status" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "kind" VARCHAR(255) NOT NULL,
    "source_id" INTEGER NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "check_code" VARCHAR(255) NOT NULL,
    "step" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL, "sms_phone" VARCHAR(255) NOT NULL DEFAULT '', "sms_consent_at" DATETIME);
CREATE UNIQUE INDEX "public_status_kind_source_id" ON "public_status" ("kind", "source_id");
CREATE UNIQUE INDEX "public_status_number" ON "public_status" ("number");
CREATE TABLE "sync_link" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "center_url" VARCHAR(255) NOT NULL,
    "kecamatan_code" VARCHAR(255) NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "secret" TEXT NOT NULL,
    "enrolled_at" DATETIME NOT NULL,
    "status_cursor" INTEGER NOT NULL,
    "last_attempt_at" DATETIME,
    "last_success_at" DATETIME,
    "last_probe_at" DATETIME,
    "last_probe_ok" INTEGER NOT NULL,
    "last_full_sync_on" VARCHAR(255) NOT NULL,
    "last_error" TEXT NOT NULL, "role" VARCHAR(255) NOT NULL DEFAULT 'kecamatan', "relay_cursor" INTEGER NOT NULL DEFAULT 0);
CREATE TABLE "sync_log" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "at" DATETIME NOT NULL,
    "kind" VARCHAR(255) NOT NULL,
    "summary" TEXT NOT NULL);
CREATE INDEX "sync_log_at" ON "sync_log" ("at");
CREATE TABLE "sync_outbox" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "kind" VARCHAR(255) NOT NULL,
    "source_id" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "record_json" TEXT NOT NULL,
    "photo_sha256" VARCHAR(255) NOT NULL,
    "size" INTEGER NOT NULL,
    "state" VARCHAR(255) NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" DATETIME,
    "last_error" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "acked_at" DATETIME);
CREATE INDEX "sync_outbox_kind_source_id" ON "sync_outbox" ("kind", "source_id");
CREATE UNIQUE INDEX "sync_outbox_registration_number_version" ON "sync_outbox" ("registration_number", "version");
CREATE INDEX "sync_outbox_state_attempts" ON "sync_outbox" ("state", "attempts");
CREATE TABLE "sync_photo_transit" (
    "photo_sha256" VARCHAR(64) NOT NULL,
    "codec" VARCHAR(16) NOT NULL,
    "stream" BLOB,
    "made_at" DATETIME NOT NULL,
    PRIMARY KEY ("photo_sha256", "codec")
);
CREATE TABLE "sync_retired_key" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "key_id" VARCHAR(255) NOT NULL,
    "secret" TEXT NOT NULL,
    "retired_at" DATETIME NOT NULL);
CREATE TABLE "sync_status_issue" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "seq" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "reason" TEXT NOT NULL,
    "problem" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "resolved_at" DATETIME);
CREATE INDEX "sync_status_issue_registration_number" ON "sync_status_issue" ("registration_number");
CREATE INDEX "sync_status_issue_resolved_at" ON "sync_status_issue" ("resolved_at");
INSERT INTO "figure_version" ("id", "n") VALUES (1, 0);
INSERT INTO "figure_part" ("part", "n") VALUES ('', 0);
