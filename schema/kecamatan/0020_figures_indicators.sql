-- Issue 27: the registration indicators count each application once per period, which a per-day
-- tally of events cannot: "Berkas dikembalikan" is a cohort (of the applications registered on a
-- day, those ever returned), "KTP-el siap diambil tepat waktu" counts an application on the day
-- its promise was settled (its card ready on or before the promised date, else the day after the
-- promised date). Triggers keep both in the same transaction as every write, as 0008's tallies;
-- app/indicators/tallies.py rebuilds them (built = 0 below makes the first reader fill them).
-- Ready = the first 'siap_diambil' step, or the handover for a record without one.
CREATE TABLE "application_cohort_day" (
    "day" TEXT NOT NULL PRIMARY KEY,
    "returned" INTEGER NOT NULL DEFAULT 0,
    "ready_due" INTEGER NOT NULL DEFAULT 0,
    "ready_kept" INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TRIGGER "application_cohort_insert" AFTER INSERT ON "application" BEGIN
    INSERT INTO "application_cohort_day" ("day", "ready_due", "ready_kept")
    SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END, 1, s.r <= s.p FROM (SELECT NEW."promised_date" AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date(NEW."handed_over_at", (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
    WHERE s.p IS NOT NULL
    ON CONFLICT ("day") DO UPDATE SET "ready_due" = "ready_due" + 1, "ready_kept" = "ready_kept" + excluded."ready_kept";
    INSERT INTO "application_cohort_day" ("day", "returned") SELECT date(NEW."created_at", (SELECT "modifier" FROM "tally_zone")), 1
    WHERE NEW."created_at" IS NOT NULL AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."id" AND e."to_status" = 'dikembalikan') OR 0)
    ON CONFLICT ("day") DO UPDATE SET "returned" = "returned" + 1;
END;

CREATE TRIGGER "application_cohort_update" AFTER UPDATE OF "created_at", "promised_date", "handed_over_at"
ON "application" BEGIN
    UPDATE "application_cohort_day" SET "ready_due" = "ready_due" - 1, "ready_kept" = "ready_kept" - s."k"
    FROM (SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END AS "d", s.r <= s.p AS "k" FROM (SELECT OLD."promised_date" AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date(OLD."handed_over_at", (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
          WHERE s.p IS NOT NULL) s
    WHERE "application_cohort_day"."day" = s."d";
    INSERT INTO "application_cohort_day" ("day", "ready_due", "ready_kept")
    SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END, 1, s.r <= s.p FROM (SELECT NEW."promised_date" AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date(NEW."handed_over_at", (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
    WHERE s.p IS NOT NULL
    ON CONFLICT ("day") DO UPDATE SET "ready_due" = "ready_due" + 1, "ready_kept" = "ready_kept" + excluded."ready_kept";
    UPDATE "application_cohort_day" SET "returned" = "returned" - 1
    WHERE "day" = date(OLD."created_at", (SELECT "modifier" FROM "tally_zone")) AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."id" AND e."to_status" = 'dikembalikan') OR 0);
    INSERT INTO "application_cohort_day" ("day", "returned") SELECT date(NEW."created_at", (SELECT "modifier" FROM "tally_zone")), 1
    WHERE NEW."created_at" IS NOT NULL AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."id" AND e."to_status" = 'dikembalikan') OR 0)
    ON CONFLICT ("day") DO UPDATE SET "returned" = "returned" + 1;
END;

CREATE TRIGGER "application_cohort_delete" AFTER DELETE ON "application" BEGIN
    UPDATE "application_cohort_day" SET "ready_due" = "ready_due" - 1, "ready_kept" = "ready_kept" - s."k"
    FROM (SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END AS "d", s.r <= s.p AS "k" FROM (SELECT OLD."promised_date" AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date(OLD."handed_over_at", (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
          WHERE s.p IS NOT NULL) s
    WHERE "application_cohort_day"."day" = s."d";
    UPDATE "application_cohort_day" SET "returned" = "returned" - 1
    WHERE "day" = date(OLD."created_at", (SELECT "modifier" FROM "tally_zone")) AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."id" AND e."to_status" = 'dikembalikan') OR 0);
END;

CREATE TRIGGER "application_cohort_event_insert" AFTER INSERT ON "application_status_event"
WHEN NEW."to_status" IN ('siap_diambil', 'dikembalikan') BEGIN
    UPDATE "application_cohort_day" SET "ready_due" = "ready_due" - 1, "ready_kept" = "ready_kept" - s."k"
    FROM (SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END AS "d", s.r <= s.p AS "k" FROM (SELECT (SELECT a."promised_date" FROM "application" a WHERE a."id" = NEW."application_id") AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'siap_diambil' AND e."id" <> NEW."id"), '9999-12-31'), coalesce(date((SELECT a."handed_over_at" FROM "application" a WHERE a."id" = NEW."application_id"), (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
          WHERE s.p IS NOT NULL) s
    WHERE "application_cohort_day"."day" = s."d";
    INSERT INTO "application_cohort_day" ("day", "ready_due", "ready_kept")
    SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END, 1, s.r <= s.p FROM (SELECT (SELECT a."promised_date" FROM "application" a WHERE a."id" = NEW."application_id") AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date((SELECT a."handed_over_at" FROM "application" a WHERE a."id" = NEW."application_id"), (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
    WHERE s.p IS NOT NULL
    ON CONFLICT ("day") DO UPDATE SET "ready_due" = "ready_due" + 1, "ready_kept" = "ready_kept" + excluded."ready_kept";
    UPDATE "application_cohort_day" SET "returned" = "returned" - 1
    WHERE "day" = date((SELECT a."created_at" FROM "application" a WHERE a."id" = NEW."application_id"), (SELECT "modifier" FROM "tally_zone")) AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'dikembalikan' AND e."id" <> NEW."id") OR 0);
    INSERT INTO "application_cohort_day" ("day", "returned") SELECT date((SELECT a."created_at" FROM "application" a WHERE a."id" = NEW."application_id"), (SELECT "modifier" FROM "tally_zone")), 1
    WHERE (SELECT a."created_at" FROM "application" a WHERE a."id" = NEW."application_id") IS NOT NULL AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = NEW."application_id" AND e."to_status" = 'dikembalikan') OR 0)
    ON CONFLICT ("day") DO UPDATE SET "returned" = "returned" + 1;
END;

CREATE TRIGGER "application_cohort_event_delete" AFTER DELETE ON "application_status_event"
WHEN OLD."to_status" IN ('siap_diambil', 'dikembalikan') BEGIN
    UPDATE "application_cohort_day" SET "ready_due" = "ready_due" - 1, "ready_kept" = "ready_kept" - s."k"
    FROM (SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END AS "d", s.r <= s.p AS "k" FROM (SELECT (SELECT a."promised_date" FROM "application" a WHERE a."id" = OLD."application_id") AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date((SELECT a."handed_over_at" FROM "application" a WHERE a."id" = OLD."application_id"), (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), CASE WHEN OLD."to_status" = 'siap_diambil' THEN date(OLD."at", (SELECT "modifier" FROM "tally_zone")) ELSE '9999-12-31' END) AS "r") s
          WHERE s.p IS NOT NULL) s
    WHERE "application_cohort_day"."day" = s."d";
    INSERT INTO "application_cohort_day" ("day", "ready_due", "ready_kept")
    SELECT CASE WHEN s.r <= s.p THEN s.r ELSE date(s.p, '+1 day') END, 1, s.r <= s.p FROM (SELECT (SELECT a."promised_date" FROM "application" a WHERE a."id" = OLD."application_id") AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'siap_diambil'), '9999-12-31'), coalesce(date((SELECT a."handed_over_at" FROM "application" a WHERE a."id" = OLD."application_id"), (SELECT "modifier" FROM "tally_zone")), '9999-12-31'), '9999-12-31') AS "r") s
    WHERE s.p IS NOT NULL
    ON CONFLICT ("day") DO UPDATE SET "ready_due" = "ready_due" + 1, "ready_kept" = "ready_kept" + excluded."ready_kept";
    UPDATE "application_cohort_day" SET "returned" = "returned" - 1
    WHERE "day" = date((SELECT a."created_at" FROM "application" a WHERE a."id" = OLD."application_id"), (SELECT "modifier" FROM "tally_zone")) AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'dikembalikan') OR OLD."to_status" = 'dikembalikan');
    INSERT INTO "application_cohort_day" ("day", "returned") SELECT date((SELECT a."created_at" FROM "application" a WHERE a."id" = OLD."application_id"), (SELECT "modifier" FROM "tally_zone")), 1
    WHERE (SELECT a."created_at" FROM "application" a WHERE a."id" = OLD."application_id") IS NOT NULL AND (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = OLD."application_id" AND e."to_status" = 'dikembalikan') OR 0)
    ON CONFLICT ("day") DO UPDATE SET "returned" = "returned" + 1;
END;

UPDATE "tally_zone" SET "built" = 0;
