-- Satisfaction survey (SKM/IKM), quarterly complaint recap, service indicator targets.

CREATE TABLE "survey_response" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "submission_key" VARCHAR(255) NOT NULL,
    "submitted_at" DATETIME NOT NULL,
    "address" VARCHAR(255) NOT NULL,
    "sex" VARCHAR(255) NOT NULL,
    "age_band" VARCHAR(255) NOT NULL,
    "education" VARCHAR(255) NOT NULL,
    "occupation" VARCHAR(255) NOT NULL,
    "comment" TEXT NOT NULL
);
CREATE UNIQUE INDEX "survey_response_submission_key" ON "survey_response" ("submission_key");
CREATE INDEX "survey_response_submitted_at" ON "survey_response" ("submitted_at");
CREATE INDEX "survey_response_address" ON "survey_response" ("address");

CREATE TABLE "survey_answer" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "response_id" INTEGER NOT NULL,
    "element" VARCHAR(255) NOT NULL,
    "score" INTEGER NOT NULL CHECK (score BETWEEN 1 AND 4),
    FOREIGN KEY ("response_id") REFERENCES "survey_response" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "survey_answer_response_id_element" ON "survey_answer" ("response_id", "element");

CREATE TABLE "quarter_recap" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "year" INTEGER NOT NULL,
    "quarter" INTEGER NOT NULL,
    "starts_at" DATETIME NOT NULL,
    "ends_at" DATETIME NOT NULL,
    "status" VARCHAR(255) NOT NULL,
    "promises" TEXT NOT NULL,
    "narrative" TEXT NOT NULL,
    "camat_remark" TEXT NOT NULL,
    "drafted_by_id" INTEGER,
    "submitted_at" DATETIME,
    "reviewed_by_id" INTEGER,
    "reviewed_at" DATETIME,
    "approved_at" DATETIME,
    "signer_name" VARCHAR(255) NOT NULL,
    "signer_nip" VARCHAR(255) NOT NULL,
    "snapshot" TEXT,
    "created_at" DATETIME NOT NULL,
    "updated_at" DATETIME NOT NULL,
    FOREIGN KEY ("drafted_by_id") REFERENCES "user" ("id") ON DELETE SET NULL,
    FOREIGN KEY ("reviewed_by_id") REFERENCES "user" ("id") ON DELETE SET NULL
);
CREATE INDEX "quarter_recap_drafted_by_id" ON "quarter_recap" ("drafted_by_id");
CREATE INDEX "quarter_recap_reviewed_by_id" ON "quarter_recap" ("reviewed_by_id");
CREATE INDEX "quarter_recap_approved_at" ON "quarter_recap" ("approved_at");
CREATE UNIQUE INDEX "quarter_recap_year_quarter" ON "quarter_recap" ("year", "quarter");
-- An approved recap is a public record: its frozen figures can never be rewritten.
CREATE TRIGGER "quarter_recap_approved_is_frozen" BEFORE UPDATE ON "quarter_recap"
WHEN OLD."status" = 'disetujui'
BEGIN SELECT RAISE(ABORT, 'approved recap is frozen'); END;

-- The complaint list of an approved recap, frozen row by row (paged with LIMIT, never re-read).
CREATE TABLE "recap_frozen_complaint" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "recap_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "item" TEXT NOT NULL,
    FOREIGN KEY ("recap_id") REFERENCES "quarter_recap" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "recap_frozen_complaint_recap_id_position" ON "recap_frozen_complaint" ("recap_id", "position");
CREATE TRIGGER "recap_frozen_complaint_no_update" BEFORE UPDATE ON "recap_frozen_complaint"
BEGIN SELECT RAISE(ABORT, 'approved recap is frozen'); END;
CREATE TRIGGER "recap_frozen_complaint_no_late_insert" BEFORE INSERT ON "recap_frozen_complaint"
WHEN (SELECT "status" FROM "quarter_recap" WHERE "id" = NEW."recap_id") = 'disetujui'
BEGIN SELECT RAISE(ABORT, 'approved recap is frozen'); END;

-- Complaints entered (or moved) into a quarter whose recap is already approved: listed as an
-- addendum by the next recap. Written by triggers, so every way of saving a complaint is covered.
CREATE TABLE "recap_late_entry" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "complaint_id" INTEGER NOT NULL,
    "late_for_id" INTEGER NOT NULL,
    "listed_in_id" INTEGER,
    FOREIGN KEY ("complaint_id") REFERENCES "complaint" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("late_for_id") REFERENCES "quarter_recap" ("id") ON DELETE CASCADE,
    FOREIGN KEY ("listed_in_id") REFERENCES "quarter_recap" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "recap_late_entry_complaint_id" ON "recap_late_entry" ("complaint_id");
CREATE INDEX "recap_late_entry_late_for_id" ON "recap_late_entry" ("late_for_id");
CREATE INDEX "recap_late_entry_listed_in_id" ON "recap_late_entry" ("listed_in_id");
CREATE TRIGGER "complaint_entered_after_recap_approved" AFTER INSERT ON "complaint"
BEGIN
    INSERT OR IGNORE INTO "recap_late_entry" ("complaint_id", "late_for_id")
    SELECT NEW."id", r."id" FROM "quarter_recap" r
    WHERE r."status" = 'disetujui' AND NEW."received_at" >= r."starts_at" AND NEW."received_at" < r."ends_at";
END;
CREATE TRIGGER "complaint_moved_into_approved_recap" AFTER UPDATE OF "received_at" ON "complaint"
BEGIN
    INSERT OR IGNORE INTO "recap_late_entry" ("complaint_id", "late_for_id")
    SELECT NEW."id", r."id" FROM "quarter_recap" r
    WHERE r."status" = 'disetujui' AND NEW."received_at" >= r."starts_at" AND NEW."received_at" < r."ends_at"
      AND NOT (OLD."received_at" >= r."starts_at" AND OLD."received_at" < r."ends_at");
END;

-- Every column the recap and the indicators aggregate, so a quarter is one index-only range scan.
CREATE INDEX "complaint_recap_cover" ON "complaint" ("received_at", "channel", "category_id", "status",
    "is_confidential", "first_response_at", "followed_up_at");

CREATE TABLE "indicator_target" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "year" INTEGER NOT NULL,
    "indicator" VARCHAR(255) NOT NULL,
    "target" REAL NOT NULL,
    "updated_at" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "indicator_target_year_indicator" ON "indicator_target" ("year", "indicator");

-- Service indicators read registration by handover time and by 'dikembalikan' events; both
-- indexes cover every column the queries use.
CREATE INDEX "application_indicator_handed_over" ON "application" ("handed_over_at", "promised_date");
CREATE INDEX "application_status_event_indicator_to_status_at" ON "application_status_event" ("to_status", "at", "application_id");
