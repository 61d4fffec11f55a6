-- Per-day tallies of the complaint recap's counts (issue 16), beside those of
-- 0008_i16_daily_tallies.sql: for each local day of receipt, how many complaints of each channel,
-- status and category, and how many confidential. The recap's figures count every complaint
-- (confidential ones too, for every role), so one tally serves every role. Kept by triggers in
-- the same transaction as every write: a status change moves its complaint from one status to
-- the other on its receipt day; a moved receipt moves all its counts to the new day.
-- Rebuilt with the others by app/indicators/tallies.py (zone change).
CREATE TABLE "complaint_count_day" (
    "day" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,  -- 'channel', 'status', 'category' (key: category id) or 'confidential' (key '')
    "key" TEXT NOT NULL,
    "n" INTEGER NOT NULL,
    PRIMARY KEY ("day", "dimension", "key")
) WITHOUT ROWID;

CREATE TRIGGER "complaint_count_day_insert" AFTER INSERT ON "complaint" BEGIN
    INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
    SELECT date(NEW."received_at", "modifier"), "dimension", "key", 1
    FROM "tally_zone", (SELECT 'channel' AS "dimension", NEW."channel" AS "key"
                        UNION ALL SELECT 'status', NEW."status"
                        UNION ALL SELECT 'category', CAST(NEW."category_id" AS TEXT)
                        UNION ALL SELECT 'confidential', '' WHERE NEW."is_confidential")
    WHERE true
    ON CONFLICT ("day", "dimension", "key") DO UPDATE SET "n" = "n" + 1;
END;

CREATE TRIGGER "complaint_count_day_update"
AFTER UPDATE OF "received_at", "channel", "status", "category_id", "is_confidential" ON "complaint" BEGIN
    UPDATE "complaint_count_day" SET "n" = "n" - 1
    WHERE ("day", "dimension", "key") IN (
        SELECT date(OLD."received_at", "modifier"), "dimension", "key"
        FROM "tally_zone", (SELECT 'channel' AS "dimension", OLD."channel" AS "key"
                            UNION ALL SELECT 'status', OLD."status"
                            UNION ALL SELECT 'category', CAST(OLD."category_id" AS TEXT)
                            UNION ALL SELECT 'confidential', '' WHERE OLD."is_confidential"));
    INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
    SELECT date(NEW."received_at", "modifier"), "dimension", "key", 1
    FROM "tally_zone", (SELECT 'channel' AS "dimension", NEW."channel" AS "key"
                        UNION ALL SELECT 'status', NEW."status"
                        UNION ALL SELECT 'category', CAST(NEW."category_id" AS TEXT)
                        UNION ALL SELECT 'confidential', '' WHERE NEW."is_confidential")
    WHERE true
    ON CONFLICT ("day", "dimension", "key") DO UPDATE SET "n" = "n" + 1;
END;

CREATE TRIGGER "complaint_count_day_delete" AFTER DELETE ON "complaint" BEGIN
    UPDATE "complaint_count_day" SET "n" = "n" - 1
    WHERE ("day", "dimension", "key") IN (
        SELECT date(OLD."received_at", "modifier"), "dimension", "key"
        FROM "tally_zone", (SELECT 'channel' AS "dimension", OLD."channel" AS "key"
                            UNION ALL SELECT 'status', OLD."status"
                            UNION ALL SELECT 'category', CAST(OLD."category_id" AS TEXT)
                            UNION ALL SELECT 'confidential', '' WHERE OLD."is_confidential"));
END;

-- Filled from the complaints an office has already (the same statements as tallies.rebuild).
INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
SELECT date("received_at", (SELECT "modifier" FROM "tally_zone")), 'channel', "channel", count(*)
FROM "complaint" WHERE true GROUP BY 1, 3;
INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
SELECT date("received_at", (SELECT "modifier" FROM "tally_zone")), 'status', "status", count(*)
FROM "complaint" WHERE true GROUP BY 1, 3;
INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
SELECT date("received_at", (SELECT "modifier" FROM "tally_zone")), 'category', CAST("category_id" AS TEXT), count(*)
FROM "complaint" WHERE true GROUP BY 1, 3;
INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
SELECT date("received_at", (SELECT "modifier" FROM "tally_zone")), 'confidential', '', count(*)
FROM "complaint" WHERE "is_confidential" GROUP BY 1;
