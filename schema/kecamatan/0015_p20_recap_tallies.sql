-- Per-day tallies of the complaint recap's counts (issue 16), beside those of
-- 0008_i16_daily_tallies.sql: for each local day of receipt, how many complaints of each channel,
-- status and category, and how many confidential. The recap's figures count every complaint
-- (confidential ones too, for every role), so one tally serves every role. Kept by triggers in
-- the same transaction as every write: a status change moves its complaint from one status to
-- the other on its receipt day; a moved receipt moves all its counts to the new day.
-- Dimensions 'first' and 'follow' (key '') count those with a first response / a follow-up, so the
-- follow-up indicator reads only the (receipt day, done day) rows within the target, not all.
-- Rebuilt with the others by app/indicators/tallies.py (zone change).
CREATE TABLE "complaint_count_day" (
    "day" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,  -- 'channel', 'status', 'category' (key: category id); 'confidential', 'first', 'follow' (key '')
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
                        UNION ALL SELECT 'confidential', '' WHERE NEW."is_confidential"
                        UNION ALL SELECT 'first', '' WHERE NEW."first_response_at" IS NOT NULL
                        UNION ALL SELECT 'follow', '' WHERE NEW."followed_up_at" IS NOT NULL)
    WHERE true
    ON CONFLICT ("day", "dimension", "key") DO UPDATE SET "n" = "n" + 1;
END;

CREATE TRIGGER "complaint_count_day_update"
AFTER UPDATE OF "received_at", "channel", "status", "category_id", "is_confidential", "first_response_at",
    "followed_up_at" ON "complaint" BEGIN
    UPDATE "complaint_count_day" SET "n" = "n" - 1
    WHERE ("day", "dimension", "key") IN (
        SELECT date(OLD."received_at", "modifier"), "dimension", "key"
        FROM "tally_zone", (SELECT 'channel' AS "dimension", OLD."channel" AS "key"
                            UNION ALL SELECT 'status', OLD."status"
                            UNION ALL SELECT 'category', CAST(OLD."category_id" AS TEXT)
                            UNION ALL SELECT 'confidential', '' WHERE OLD."is_confidential"
                        UNION ALL SELECT 'first', '' WHERE OLD."first_response_at" IS NOT NULL
                        UNION ALL SELECT 'follow', '' WHERE OLD."followed_up_at" IS NOT NULL));
    INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
    SELECT date(NEW."received_at", "modifier"), "dimension", "key", 1
    FROM "tally_zone", (SELECT 'channel' AS "dimension", NEW."channel" AS "key"
                        UNION ALL SELECT 'status', NEW."status"
                        UNION ALL SELECT 'category', CAST(NEW."category_id" AS TEXT)
                        UNION ALL SELECT 'confidential', '' WHERE NEW."is_confidential"
                        UNION ALL SELECT 'first', '' WHERE NEW."first_response_at" IS NOT NULL
                        UNION ALL SELECT 'follow', '' WHERE NEW."followed_up_at" IS NOT NULL)
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
                            UNION ALL SELECT 'confidential', '' WHERE OLD."is_confidential"
                        UNION ALL SELECT 'first', '' WHERE OLD."first_response_at" IS NOT NULL
                        UNION ALL SELECT 'follow', '' WHERE OLD."followed_up_at" IS NOT NULL));
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
INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
SELECT date("received_at", (SELECT "modifier" FROM "tally_zone")), 'first', '', count(*)
FROM "complaint" WHERE "first_response_at" IS NOT NULL GROUP BY 1;
INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n")
SELECT date("received_at", (SELECT "modifier" FROM "tally_zone")), 'follow', '', count(*)
FROM "complaint" WHERE "followed_up_at" IS NOT NULL GROUP BY 1;
