-- KTP-el applications at the counter: applications, photos (in the database, so backups carry
-- them), status history, registration number sequences, collective letters, name search.

CREATE TABLE "collective_letter" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "letter_number" VARCHAR(255) NOT NULL,
    "letter_date" DATE NOT NULL,
    "sender" VARCHAR(255) NOT NULL,
    "contact" VARCHAR(255) NOT NULL,
    "recording_date" DATE,
    "notes" TEXT NOT NULL,
    "handed_over_at" DATETIME,
    "handed_over_to" VARCHAR(255) NOT NULL,
    "handover_id_number" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL,
    "created_by_id" INTEGER,
    FOREIGN KEY ("created_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE INDEX "collective_letter_created_at" ON "collective_letter" ("created_at");
CREATE INDEX "collective_letter_created_by_id" ON "collective_letter" ("created_by_id");

CREATE TABLE "application" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "registration_number" VARCHAR(255) NOT NULL,
    "version" INTEGER NOT NULL,
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
    "requirements_met" TEXT NOT NULL,
    "missing_requirements" TEXT NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "completed_at" DATE,
    "promised_date" DATE,
    "collective_id" INTEGER,
    "handed_over_to" VARCHAR(255) NOT NULL,
    "handover_relation" VARCHAR(255) NOT NULL,
    "handover_id_number" VARCHAR(255) NOT NULL,
    "handed_over_at" DATETIME,
    "created_at" DATETIME NOT NULL,
    "created_by_id" INTEGER,
    "updated_at" DATETIME NOT NULL,
    FOREIGN KEY ("collective_id") REFERENCES "collective_letter" ("id") ON DELETE SET NULL,
    FOREIGN KEY ("created_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "application_registration_number" ON "application" ("registration_number");
CREATE INDEX "application_nik" ON "application" ("nik");
CREATE INDEX "application_collective_id" ON "application" ("collective_id");
CREATE INDEX "application_created_by_id" ON "application" ("created_by_id");
CREATE INDEX "application_status_promised_date" ON "application" ("status", "promised_date");
CREATE INDEX "application_desa_code_id" ON "application" ("desa_code", "id");
CREATE INDEX "application_reason_id" ON "application" ("reason", "id");
CREATE INDEX "application_created_at" ON "application" ("created_at");

CREATE TABLE "application_photo" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "application_id" INTEGER NOT NULL,
    "jpeg" BLOB NOT NULL,
    "sha256" VARCHAR(255) NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "background" VARCHAR(255) NOT NULL,
    "uploaded_at" DATETIME NOT NULL,
    FOREIGN KEY ("application_id") REFERENCES "application" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "application_photo_application_id" ON "application_photo" ("application_id");

CREATE TABLE "application_status_event" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "application_id" INTEGER NOT NULL,
    "from_status" VARCHAR(255) NOT NULL,
    "to_status" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL,
    "user_id" INTEGER,
    "username" VARCHAR(255) NOT NULL,
    "note" TEXT NOT NULL,
    FOREIGN KEY ("application_id") REFERENCES "application" ("id") ON DELETE CASCADE
);
CREATE INDEX "application_status_event_application_id" ON "application_status_event" ("application_id");

CREATE TABLE "registration_sequence" (
    "prefix" VARCHAR(255) NOT NULL PRIMARY KEY,
    "last_value" INTEGER NOT NULL
);

-- Search-as-you-type by any word of the name ("sit" finds "Dewi Sitompul"): FTS5 with prefix
-- indexes, contentless (the name stays in "application"), kept in step by triggers so every
-- writer (forms, sync, demo, import) is covered.
CREATE VIRTUAL TABLE "application_fts" USING fts5 ("full_name", content='', contentless_delete=1, prefix='2 3');
CREATE TRIGGER "application_fts_insert" AFTER INSERT ON "application"
BEGIN INSERT INTO "application_fts" (rowid, "full_name") VALUES (new."id", new."full_name"); END;
CREATE TRIGGER "application_fts_update" AFTER UPDATE OF "full_name" ON "application"
BEGIN
    DELETE FROM "application_fts" WHERE rowid = old."id";
    INSERT INTO "application_fts" (rowid, "full_name") VALUES (new."id", new."full_name");
END;
CREATE TRIGGER "application_fts_delete" AFTER DELETE ON "application"
BEGIN DELETE FROM "application_fts" WHERE rowid = old."id"; END;
