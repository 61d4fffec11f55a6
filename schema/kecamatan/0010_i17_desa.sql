-- Issue 17: the village office (desa) enters the forms. Desa operator accounts are bound to one
-- or more desa of the kecamatan; their pre-registrations (pra-pendaftaran) wait in the counter's
-- queue until the counter accepts the file and turns it into an application.

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
    "status" VARCHAR(255) NOT NULL,               -- 'menunggu' | 'diterima' (expiry is a date, not a status)
    "source" VARCHAR(255) NOT NULL,               -- 'desa' (typed in this app) | 'qr' (scanned F-1.07)
    "entered_by_name" VARCHAR(255) NOT NULL,      -- the desa operator, as printed on the F-1.07
    "entered_at" DATETIME NOT NULL,
    "expires_on" DATE NOT NULL,
    "created_by_id" INTEGER,
    "application_id" INTEGER,
    "accepted_at" DATETIME,
    "accepted_by_id" INTEGER,
    "differences" TEXT NOT NULL,                  -- JSON {field: [desa value, counter value]}
    FOREIGN KEY ("created_by_id") REFERENCES "user" ("id") ON DELETE SET NULL,
    FOREIGN KEY ("accepted_by_id") REFERENCES "user" ("id") ON DELETE SET NULL,
    FOREIGN KEY ("application_id") REFERENCES "application" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "pre_registration_number" ON "pre_registration" ("number");
CREATE INDEX "pre_registration_nik" ON "pre_registration" ("nik");
CREATE INDEX "pre_registration_desa_code_status_id" ON "pre_registration" ("desa_code", "status", "id");
CREATE INDEX "pre_registration_status_id" ON "pre_registration" ("status", "id");
CREATE INDEX "pre_registration_application_id" ON "pre_registration" ("application_id");
