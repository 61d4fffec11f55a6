-- Buku Pengaduan: complaints from every channel, their timeline and attachments, the daily
-- kotak saran opening, desk information answers, kiosk throttling, full-text search.

CREATE TABLE "complaint_category" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "section" VARCHAR(255) NOT NULL,
    "is_active" INTEGER NOT NULL
);
CREATE UNIQUE INDEX "complaint_category_name" ON "complaint_category" ("name");

CREATE TABLE "suggestion_box_session" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "opened_on" DATE NOT NULL,
    "opened_by_id" INTEGER,
    "slip_count" INTEGER NOT NULL,
    "is_empty" INTEGER NOT NULL,
    "note" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    FOREIGN KEY ("opened_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "suggestion_box_session_opened_on" ON "suggestion_box_session" ("opened_on");
CREATE INDEX "suggestion_box_session_opened_by_id" ON "suggestion_box_session" ("opened_by_id");

CREATE TABLE "desk_answer" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "topic" VARCHAR(255) NOT NULL,
    "question" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "is_active" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL,
    "updated_by_id" INTEGER,
    FOREIGN KEY ("updated_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE INDEX "desk_answer_updated_by_id" ON "desk_answer" ("updated_by_id");

CREATE TABLE "complaint" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "tracking_number" VARCHAR(255) NOT NULL,
    "submission_token" VARCHAR(255),
    "received_at" DATETIME NOT NULL,
    "channel" VARCHAR(255) NOT NULL,
    "category_id" INTEGER NOT NULL,
    "complainant_name" VARCHAR(255) NOT NULL,
    "complainant_contact" VARCHAR(255) NOT NULL,
    "is_anonymous" INTEGER NOT NULL,
    "is_confidential" INTEGER NOT NULL,
    "registration_number" VARCHAR(255) NOT NULL,
    "text" TEXT NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "section" VARCHAR(255) NOT NULL,
    "other_office" VARCHAR(255) NOT NULL,
    "first_response_at" DATETIME,
    "followed_up_at" DATETIME,
    "tindak_lanjut" TEXT NOT NULL,
    "answered_from_desk_info" INTEGER NOT NULL,
    "desk_answer_id" INTEGER,
    "suggestion_box_session_id" INTEGER,
    "created_by_id" INTEGER,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    FOREIGN KEY ("category_id") REFERENCES "complaint_category" ("id") ON DELETE RESTRICT,
    FOREIGN KEY ("desk_answer_id") REFERENCES "desk_answer" ("id") ON DELETE SET NULL,
    FOREIGN KEY ("suggestion_box_session_id") REFERENCES "suggestion_box_session" ("id") ON DELETE RESTRICT,
    FOREIGN KEY ("created_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "complaint_tracking_number" ON "complaint" ("tracking_number");
CREATE UNIQUE INDEX "complaint_submission_token" ON "complaint" ("submission_token");
CREATE INDEX "complaint_received_at" ON "complaint" ("received_at");
CREATE INDEX "complaint_desk_answer_id" ON "complaint" ("desk_answer_id");
CREATE INDEX "complaint_suggestion_box_session_id" ON "complaint" ("suggestion_box_session_id");
CREATE INDEX "complaint_created_by_id" ON "complaint" ("created_by_id");
-- Filters by one of these, sorted by received_at (each also serves its first column alone).
CREATE INDEX "complaint_status_received_at" ON "complaint" ("status", "received_at");
CREATE INDEX "complaint_channel_received_at" ON "complaint" ("channel", "received_at");
CREATE INDEX "complaint_category_id_received_at" ON "complaint" ("category_id", "received_at");

CREATE TABLE "complaint_event" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "complaint_id" INTEGER NOT NULL,
    "at" DATETIME NOT NULL,
    "user_id" INTEGER,
    "from_status" VARCHAR(255),
    "to_status" VARCHAR(255) NOT NULL,
    "note" TEXT NOT NULL,
    FOREIGN KEY ("complaint_id") REFERENCES "complaint" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE INDEX "complaint_event_complaint_id" ON "complaint_event" ("complaint_id");
CREATE INDEX "complaint_event_user_id" ON "complaint_event" ("user_id");

CREATE TABLE "complaint_attachment" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "complaint_id" INTEGER NOT NULL,
    "content" BLOB NOT NULL,
    "mime_type" VARCHAR(255) NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "uploaded_at" DATETIME NOT NULL,
    "uploaded_by_id" INTEGER,
    FOREIGN KEY ("complaint_id") REFERENCES "complaint" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("uploaded_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE INDEX "complaint_attachment_complaint_id" ON "complaint_attachment" ("complaint_id");
CREATE INDEX "complaint_attachment_uploaded_by_id" ON "complaint_attachment" ("uploaded_by_id");

CREATE TABLE "kiosk_attempt" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "address" VARCHAR(255) NOT NULL,
    "kind" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL
);
CREATE INDEX "kiosk_attempt_address_kind_at" ON "kiosk_attempt" ("address", "kind", "at");

-- Full-text search over the complaint text; external content, kept in step by triggers.
CREATE VIRTUAL TABLE "complaint_search" USING fts5 ("text", "tindak_lanjut", content=complaint, content_rowid=id, tokenize="unicode61 remove_diacritics 2");
CREATE TRIGGER "complaint_search_insert" AFTER INSERT ON "complaint" BEGIN
    INSERT INTO "complaint_search" (rowid, "text", "tindak_lanjut") VALUES (new.id, new.text, new.tindak_lanjut);
END;
CREATE TRIGGER "complaint_search_delete" AFTER DELETE ON "complaint" BEGIN
    INSERT INTO "complaint_search" ("complaint_search", rowid, "text", "tindak_lanjut") VALUES ('delete', old.id, old.text, old.tindak_lanjut);
END;
CREATE TRIGGER "complaint_search_update" AFTER UPDATE OF "text", "tindak_lanjut" ON "complaint" BEGIN
    INSERT INTO "complaint_search" ("complaint_search", rowid, "text", "tindak_lanjut") VALUES ('delete', old.id, old.text, old.tindak_lanjut);
    INSERT INTO "complaint_search" (rowid, "text", "tindak_lanjut") VALUES (new.id, new.text, new.tindak_lanjut);
END;

-- The categories the service standard names; the admin renames, adds, routes or retires them.
INSERT INTO "complaint_category" ("name", "section", "is_active") VALUES
    ('KTP-el', 'Kasi Pelayanan', 1),
    ('Kartu Keluarga', 'Kasi Pelayanan', 1),
    ('Akta', 'Kasi Pelayanan', 1),
    ('Perilaku petugas', 'Kasi Pelayanan', 1),
    ('Waktu tunggu', 'Kasi Pelayanan', 1),
    ('Biaya', 'Kasi Pelayanan', 1),
    ('Sarana dan prasarana', 'Kasi Pelayanan', 1),
    ('Lainnya', 'Kasi Pelayanan', 1);
