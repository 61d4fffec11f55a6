-- Per-day tallies for the indicators page and the complaint recap (issue 16): kept by triggers in
-- the same transaction as every write, so those pages read a few hundred day rows instead of
-- every application and complaint of the last two years. Days are local days of the office's
-- zone (tally_zone.modifier, e.g. '+7 hours' for WIB); app/indicators/tallies.py rebuilds them
-- all when the zone setting changes, and a test checks the triggers against a rebuild.
-- built = 0: not filled yet (an upgrade); the first reader fills them from the rows in one go.
CREATE TABLE "tally_zone" (
    "id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" = 1),
    "modifier" TEXT NOT NULL,
    "built" INTEGER NOT NULL
);
INSERT INTO "tally_zone" ("id", "modifier", "built") VALUES (1, '+7 hours', 0);

-- registered: applications created that day; handed_over / handed_on_time: handed over that day,
-- and of those on or before their promised date; returned: applications first returned as
-- incomplete in their quarter on that day (an application returned twice in a quarter counts once).
CREATE TABLE "application_day" (
    "day" TEXT NOT NULL PRIMARY KEY,
    "registered" INTEGER NOT NULL DEFAULT 0,
    "handed_over" INTEGER NOT NULL DEFAULT 0,
    "handed_on_time" INTEGER NOT NULL DEFAULT 0,
    "returned" INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Complaints by local day of receipt: kind 'received' (done_day ''), and for 'first' (first
-- response) and 'follow' (follow-up) how many were done on each local day.
CREATE TABLE "complaint_day" (
    "day" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "done_day" TEXT NOT NULL,
    "n" INTEGER NOT NULL,
    PRIMARY KEY ("day", "kind", "done_day")
) WITHOUT ROWID;

CREATE TRIGGER "application_day_insert" AFTER INSERT ON "application" BEGIN
    INSERT INTO "application_day" ("day", "registered")
    VALUES (date(NEW."created_at", (SELECT "modifier" FROM "tally_zone")), 1)
    ON CONFLICT ("day") DO UPDATE SET "registered" = "registered" + 1;
    INSERT INTO "application_day" ("day", "handed_over", "handed_on_time")
    SELECT date(NEW."handed_over_at", (SELECT "modifier" FROM "tally_zone")), 1,
           coalesce(NEW."promised_date" >= date(NEW."handed_over_at", (SELECT "modifier" FROM "tally_zone")), 0)
    WHERE NEW."handed_over_at" IS NOT NULL
    ON CONFLICT ("day") DO UPDATE SET "handed_over" = "handed_over" + 1,
        "handed_on_time" = "handed_on_time" + excluded."handed_on_time";
END;

CREATE TRIGGER "application_day_update" AFTER UPDATE OF "created_at", "handed_over_at", "promised_date"
ON "application" BEGIN
    UPDATE "application_day" SET "registered" = "registered" - 1
    WHERE "day" = date(OLD."created_at", (SELECT "modifier" FROM "tally_zone"));
    INSERT INTO "application_day" ("day", "registered")
    VALUES (date(NEW."created_at", (SELECT "modifier" FROM "tally_zone")), 1)
    ON CONFLICT ("day") DO UPDATE SET "registered" = "registered" + 1;
    UPDATE "application_day" SET "handed_over" = "handed_over" - 1,
        "handed_on_time" = "handed_on_time"
            - coalesce(OLD."promised_date" >= date(OLD."handed_over_at", (SELECT "modifier" FROM "tally_zone")), 0)
    WHERE OLD."handed_over_at" IS NOT NULL AND "day" = date(OLD."handed_over_at", (SELECT "modifier" FROM "tally_zone"));
    INSERT INTO "application_day" ("day", "handed_over", "handed_on_time")
    SELECT date(NEW."handed_over_at", (SELECT "modifier" FROM "tally_zone")), 1,
           coalesce(NEW."promised_date" >= date(NEW."handed_over_at", (SELECT "modifier" FROM "tally_zone")), 0)
    WHERE NEW."handed_over_at" IS NOT NULL
    ON CONFLICT ("day") DO UPDATE SET "handed_over" = "handed_over" + 1,
        "handed_on_time" = "handed_on_time" + excluded."handed_on_time";
END;

CREATE TRIGGER "application_day_delete" AFTER DELETE ON "application" BEGIN
    UPDATE "application_day" SET "registered" = "registered" - 1
    WHERE "day" = date(OLD."created_at", (SELECT "modifier" FROM "tally_zone"));
    UPDATE "application_day" SET "handed_over" = "handed_over" - 1,
        "handed_on_time" = "handed_on_time"
            - coalesce(OLD."promised_date" >= date(OLD."handed_over_at", (SELECT "modifier" FROM "tally_zone")), 0)
    WHERE OLD."handed_over_at" IS NOT NULL AND "day" = date(OLD."handed_over_at", (SELECT "modifier" FROM "tally_zone"));
END;

-- returned counts each application's first return in each local quarter on that return's day. An
-- inserted return earlier than the quarter's first moves the count; a deleted first return moves
-- it to the next one (status events are otherwise only appended, never edited).
CREATE TRIGGER "application_day_returned_insert" AFTER INSERT ON "application_status_event"
WHEN NEW."to_status" = 'dikembalikan' BEGIN
    UPDATE "application_day" SET "returned" = "returned" - 1
    WHERE "day" = (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'dikembalikan' AND e."id" <> NEW."id" AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) AND (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'dikembalikan' AND e."id" <> NEW."id" AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) > date(NEW."at", (SELECT "modifier" FROM "tally_zone"));
    INSERT INTO "application_day" ("day", "returned") SELECT date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 1
    WHERE (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'dikembalikan' AND e."id" <> NEW."id" AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) IS NULL OR (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'dikembalikan' AND e."id" <> NEW."id" AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(NEW."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(NEW."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) > date(NEW."at", (SELECT "modifier" FROM "tally_zone"))
    ON CONFLICT ("day") DO UPDATE SET "returned" = "returned" + 1;
END;

CREATE TRIGGER "application_day_returned_delete" AFTER DELETE ON "application_status_event"
WHEN OLD."to_status" = 'dikembalikan' BEGIN
    UPDATE "application_day" SET "returned" = "returned" - 1
    WHERE "day" = date(OLD."at", (SELECT "modifier" FROM "tally_zone")) AND ((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'dikembalikan' AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) IS NULL OR (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'dikembalikan' AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) > date(OLD."at", (SELECT "modifier" FROM "tally_zone")));
    INSERT INTO "application_day" ("day", "returned") SELECT (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'dikembalikan' AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')), 1
    WHERE (SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'dikembalikan' AND date(e."at", (SELECT "modifier" FROM "tally_zone")) BETWEEN date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months') AND date(date(OLD."at", (SELECT "modifier" FROM "tally_zone")), 'start of month', '-' || ((CAST(strftime('%m', date(OLD."at", (SELECT "modifier" FROM "tally_zone"))) AS INTEGER) - 1) % 3) || ' months', '+3 months', '-1 day')) > date(OLD."at", (SELECT "modifier" FROM "tally_zone"))
    ON CONFLICT ("day") DO UPDATE SET "returned" = "returned" + 1;
END;

CREATE TRIGGER "complaint_day_insert" AFTER INSERT ON "complaint" BEGIN
    INSERT INTO "complaint_day" ("day", "kind", "done_day", "n")
    SELECT date(NEW."received_at", "modifier"), "kind", coalesce(date("done", "modifier"), ''), 1
    FROM "tally_zone", (SELECT 'received' AS "kind", NULL AS "done"
                        UNION ALL SELECT 'first', NEW."first_response_at" WHERE NEW."first_response_at" IS NOT NULL
                        UNION ALL SELECT 'follow', NEW."followed_up_at" WHERE NEW."followed_up_at" IS NOT NULL)
    WHERE true
    ON CONFLICT ("day", "kind", "done_day") DO UPDATE SET "n" = "n" + 1;
END;

CREATE TRIGGER "complaint_day_update" AFTER UPDATE OF "received_at", "first_response_at", "followed_up_at"
ON "complaint" BEGIN
    UPDATE "complaint_day" SET "n" = "n" - 1
    WHERE ("day", "kind", "done_day") IN (
        SELECT date(OLD."received_at", "modifier"), "kind", coalesce(date("done", "modifier"), '')
        FROM "tally_zone", (SELECT 'received' AS "kind", NULL AS "done"
                            UNION ALL SELECT 'first', OLD."first_response_at" WHERE OLD."first_response_at" IS NOT NULL
                            UNION ALL SELECT 'follow', OLD."followed_up_at" WHERE OLD."followed_up_at" IS NOT NULL));
    INSERT INTO "complaint_day" ("day", "kind", "done_day", "n")
    SELECT date(NEW."received_at", "modifier"), "kind", coalesce(date("done", "modifier"), ''), 1
    FROM "tally_zone", (SELECT 'received' AS "kind", NULL AS "done"
                        UNION ALL SELECT 'first', NEW."first_response_at" WHERE NEW."first_response_at" IS NOT NULL
                        UNION ALL SELECT 'follow', NEW."followed_up_at" WHERE NEW."followed_up_at" IS NOT NULL)
    WHERE true
    ON CONFLICT ("day", "kind", "done_day") DO UPDATE SET "n" = "n" + 1;
END;

CREATE TRIGGER "complaint_day_delete" AFTER DELETE ON "complaint" BEGIN
    UPDATE "complaint_day" SET "n" = "n" - 1
    WHERE ("day", "kind", "done_day") IN (
        SELECT date(OLD."received_at", "modifier"), "kind", coalesce(date("done", "modifier"), '')
        FROM "tally_zone", (SELECT 'received' AS "kind", NULL AS "done"
                            UNION ALL SELECT 'first', OLD."first_response_at" WHERE OLD."first_response_at" IS NOT NULL
                            UNION ALL SELECT 'follow', OLD."followed_up_at" WHERE OLD."followed_up_at" IS NOT NULL));
END;
