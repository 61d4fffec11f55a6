-- The regency printing center's schema, written once for SQLite and PostgreSQL.
-- {ID} {DATETIME} {BLOB} {BOOL} are replaced per dialect by sync/center/migrations.py.

CREATE TABLE "operator" (
    "id" {ID},
    "username" VARCHAR(255) NOT NULL,
    "full_name" VARCHAR(255) NOT NULL,
    "role" VARCHAR(255) NOT NULL,
    "password_hash" TEXT NOT NULL,
    "must_change_password" {BOOL} NOT NULL,
    "is_active" {BOOL} NOT NULL,
    "created_at" {DATETIME} NOT NULL,
    "password_changed_at" {DATETIME});
CREATE UNIQUE INDEX "operator_username" ON "operator" ("username");

CREATE TABLE "kecamatan" (
    "id" {ID},
    "code" VARCHAR(255) NOT NULL,
    "digits" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "enrolment_code_hash" TEXT,
    "enrolment_expires_at" {DATETIME},
    "created_at" {DATETIME} NOT NULL,
    "last_seen_at" {DATETIME},
    "last_sync_at" {DATETIME},
    "event_seq" INTEGER NOT NULL);
CREATE UNIQUE INDEX "kecamatan_code" ON "kecamatan" ("code");
CREATE UNIQUE INDEX "kecamatan_digits" ON "kecamatan" ("digits");

CREATE TABLE "device_key" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "secret" TEXT NOT NULL,
    "device_id" VARCHAR(255) NOT NULL,
    "created_at" {DATETIME} NOT NULL,
    "revoked_at" {DATETIME},
    "last_used_at" {DATETIME},
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE INDEX "device_key_kecamatan_id" ON "device_key" ("kecamatan_id");
CREATE UNIQUE INDEX "device_key_key_id" ON "device_key" ("key_id");

CREATE TABLE "used_nonce" (
    "id" {ID},
    "key_id" VARCHAR(255) NOT NULL,
    "nonce" VARCHAR(255) NOT NULL,
    "seen_at" {DATETIME} NOT NULL);
CREATE INDEX "used_nonce_seen_at" ON "used_nonce" ("seen_at");
CREATE UNIQUE INDEX "used_nonce_key_id_nonce" ON "used_nonce" ("key_id", "nonce");

CREATE TABLE "print_run" (
    "id" {ID},
    "created_at" {DATETIME} NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "printed_at" {DATETIME},
    "note" TEXT NOT NULL);

CREATE TABLE "shipment" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "created_at" {DATETIME} NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "note" TEXT NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id"));
CREATE INDEX "shipment_kecamatan_id" ON "shipment" ("kecamatan_id");

CREATE TABLE "received_application" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "record_json" TEXT NOT NULL,
    "nik" VARCHAR(255) NOT NULL,
    "full_name" VARCHAR(255) NOT NULL,
    "photo" {BLOB} NOT NULL,
    "photo_sha256" VARCHAR(255) NOT NULL,
    "photo_width" INTEGER NOT NULL,
    "photo_height" INTEGER NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "reason" TEXT NOT NULL,
    "received_at" {DATETIME} NOT NULL,
    "received_via" VARCHAR(255) NOT NULL,
    "print_run_id" INTEGER,
    "shipment_id" INTEGER,
    "printed_at" {DATETIME},
    "shipped_at" {DATETIME},
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id"),
    FOREIGN KEY ("print_run_id") REFERENCES "print_run" ("id"),
    FOREIGN KEY ("shipment_id") REFERENCES "shipment" ("id"));
CREATE INDEX "received_application_kecamatan_id" ON "received_application" ("kecamatan_id");
CREATE INDEX "received_application_nik" ON "received_application" ("nik");
CREATE INDEX "received_application_status" ON "received_application" ("status");
CREATE INDEX "received_application_received_at" ON "received_application" ("received_at");
CREATE INDEX "received_application_print_run_id" ON "received_application" ("print_run_id");
CREATE INDEX "received_application_shipment_id" ON "received_application" ("shipment_id");
CREATE UNIQUE INDEX "received_application_registration_number_version" ON "received_application" ("registration_number", "version");

CREATE TABLE "conflict" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "existing_hash" VARCHAR(255) NOT NULL,
    "offered_hash" VARCHAR(255) NOT NULL,
    "offered_record" TEXT NOT NULL,
    "at" {DATETIME} NOT NULL,
    "resolved_at" {DATETIME},
    "note" TEXT NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id"));
CREATE INDEX "conflict_kecamatan_id" ON "conflict" ("kecamatan_id");

CREATE TABLE "status_event" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "application_id" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "reason" TEXT NOT NULL,
    "at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id"),
    FOREIGN KEY ("application_id") REFERENCES "received_application" ("id"));
CREATE INDEX "status_event_kecamatan_id" ON "status_event" ("kecamatan_id");
CREATE INDEX "status_event_application_id" ON "status_event" ("application_id");
CREATE UNIQUE INDEX "status_event_kecamatan_id_seq" ON "status_event" ("kecamatan_id", "seq");

CREATE TABLE "center_audit" (
    "id" {ID},
    "at" {DATETIME} NOT NULL,
    "username" VARCHAR(255) NOT NULL,
    "action" VARCHAR(255) NOT NULL,
    "entity" VARCHAR(255) NOT NULL,
    "entity_id" VARCHAR(255) NOT NULL,
    "summary" TEXT NOT NULL);
CREATE INDEX "center_audit_at" ON "center_audit" ("at");
