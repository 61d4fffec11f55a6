-- Per-day tallies of the survey answers that count in the IKM (status 'sah'), beside those of
-- 0008_i16_daily_tallies.sql: the indicators page and the recap read a few hundred day rows
-- instead of every answer of the last two years. Days are local days of tally_zone.modifier;
-- kept by triggers in the same transaction as every write, rebuilt by app/indicators/tallies.py.
CREATE TABLE "survey_day" (
    "day" TEXT NOT NULL,
    "element" TEXT NOT NULL,
    "answers" INTEGER NOT NULL,
    "score" INTEGER NOT NULL,
    PRIMARY KEY ("day", "element")
) WITHOUT ROWID;

CREATE TRIGGER "survey_day_answer_insert" AFTER INSERT ON "survey_answer"
WHEN (SELECT "status" FROM "survey_response" WHERE "id" = NEW."response_id") = 'sah' BEGIN
    INSERT INTO "survey_day" ("day", "element", "answers", "score")
    SELECT date(r."submitted_at", (SELECT "modifier" FROM "tally_zone")), NEW."element", 1, NEW."score"
    FROM "survey_response" r WHERE r."id" = NEW."response_id"
    ON CONFLICT ("day", "element") DO UPDATE SET "answers" = "answers" + 1, "score" = "score" + excluded."score";
END;

-- A response deleted takes its answers with it (ON DELETE CASCADE, after the response row is
-- gone): its answers are taken off here, before, and the answer trigger finds no response.
CREATE TRIGGER "survey_day_answer_delete" AFTER DELETE ON "survey_answer"
WHEN (SELECT "status" FROM "survey_response" WHERE "id" = OLD."response_id") = 'sah' BEGIN
    UPDATE "survey_day" SET "answers" = "answers" - 1, "score" = "score" - OLD."score"
    WHERE "day" = (SELECT date(r."submitted_at", (SELECT "modifier" FROM "tally_zone"))
                   FROM "survey_response" r WHERE r."id" = OLD."response_id") AND "element" = OLD."element";
END;

CREATE TRIGGER "survey_day_answer_update" AFTER UPDATE OF "element", "score", "response_id" ON "survey_answer" BEGIN
    UPDATE "survey_day" SET "answers" = "answers" - 1, "score" = "score" - OLD."score"
    WHERE (SELECT "status" FROM "survey_response" WHERE "id" = OLD."response_id") = 'sah'
      AND "day" = (SELECT date(r."submitted_at", (SELECT "modifier" FROM "tally_zone"))
                   FROM "survey_response" r WHERE r."id" = OLD."response_id") AND "element" = OLD."element";
    INSERT INTO "survey_day" ("day", "element", "answers", "score")
    SELECT date(r."submitted_at", (SELECT "modifier" FROM "tally_zone")), NEW."element", 1, NEW."score"
    FROM "survey_response" r WHERE r."id" = NEW."response_id" AND r."status" = 'sah'
    ON CONFLICT ("day", "element") DO UPDATE SET "answers" = "answers" + 1, "score" = "score" + excluded."score";
END;

CREATE TRIGGER "survey_day_response_delete" BEFORE DELETE ON "survey_response"
WHEN OLD."status" = 'sah' BEGIN
    UPDATE "survey_day" SET "answers" = "answers" - (SELECT count(*) FROM "survey_answer" a
                                                     WHERE a."response_id" = OLD."id" AND a."element" = "survey_day"."element"),
        "score" = "score" - (SELECT coalesce(sum(a."score"), 0) FROM "survey_answer" a
                             WHERE a."response_id" = OLD."id" AND a."element" = "survey_day"."element")
    WHERE "day" = date(OLD."submitted_at", (SELECT "modifier" FROM "tally_zone"));
END;

-- Reviewed (menunggu -> sah), voided (-> batal), or moved: the answers leave the old day's
-- tally if they counted there, and join the new one if they count now.
CREATE TRIGGER "survey_day_response_update" AFTER UPDATE OF "status", "submitted_at" ON "survey_response" BEGIN
    UPDATE "survey_day" SET "answers" = "answers" - (SELECT count(*) FROM "survey_answer" a
                                                     WHERE a."response_id" = OLD."id" AND a."element" = "survey_day"."element"),
        "score" = "score" - (SELECT coalesce(sum(a."score"), 0) FROM "survey_answer" a
                             WHERE a."response_id" = OLD."id" AND a."element" = "survey_day"."element")
    WHERE OLD."status" = 'sah' AND "day" = date(OLD."submitted_at", (SELECT "modifier" FROM "tally_zone"));
    INSERT INTO "survey_day" ("day", "element", "answers", "score")
    SELECT date(NEW."submitted_at", (SELECT "modifier" FROM "tally_zone")), a."element", count(*), sum(a."score")
    FROM "survey_answer" a WHERE a."response_id" = NEW."id" AND NEW."status" = 'sah' GROUP BY a."element"
    ON CONFLICT ("day", "element") DO UPDATE SET "answers" = "answers" + excluded."answers",
        "score" = "score" + excluded."score";
END;

-- An office upgrading to this has answers already: the first reader rebuilds every tally.
UPDATE "tally_zone" SET "built" = 0;
