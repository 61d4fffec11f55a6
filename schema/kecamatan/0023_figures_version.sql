-- Issue 32: the heavy pages' figures (indicators, live recap, the dashboard's complaint counts, the
-- office settings) are kept under a version that only the writes they read change
-- (app/frame/figure_cache.kept_figure). Each trigger sets it to a new random value: a restored
-- backup carries the version of the state it holds, and two states never share one. An audit row,
-- a sign-in, a session or an application view changes none of these tables, so the figures stay.
-- Sources: whole rows of small tables; the watched columns of the big ones (an UPDATE that leaves
-- them as they were, as peewee's save() of another field does, is no change); the tallies' rows
-- inserted or deleted (a rebuild).
CREATE TABLE "figure_version" ("id" INTEGER NOT NULL PRIMARY KEY, "n" INTEGER NOT NULL);
INSERT INTO "figure_version" ("id", "n") VALUES (1, 0);

CREATE TRIGGER "figure_version_setting_insert" AFTER INSERT ON "setting" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_setting_update" AFTER UPDATE ON "setting" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_setting_delete" AFTER DELETE ON "setting" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_office_day_insert" AFTER INSERT ON "office_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_office_day_update" AFTER UPDATE ON "office_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_office_day_delete" AFTER DELETE ON "office_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_indicator_target_insert" AFTER INSERT ON "indicator_target" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_indicator_target_update" AFTER UPDATE ON "indicator_target" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_indicator_target_delete" AFTER DELETE ON "indicator_target" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_category_insert" AFTER INSERT ON "complaint_category" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_category_update" AFTER UPDATE ON "complaint_category" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_category_delete" AFTER DELETE ON "complaint_category" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_suggestion_box_session_insert" AFTER INSERT ON "suggestion_box_session" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_suggestion_box_session_update" AFTER UPDATE ON "suggestion_box_session" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_suggestion_box_session_delete" AFTER DELETE ON "suggestion_box_session" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_tally_zone_insert" AFTER INSERT ON "tally_zone" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_tally_zone_update" AFTER UPDATE ON "tally_zone" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_tally_zone_delete" AFTER DELETE ON "tally_zone" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_quarter_recap_insert" AFTER INSERT ON "quarter_recap" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_quarter_recap_update" AFTER UPDATE ON "quarter_recap" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_quarter_recap_delete" AFTER DELETE ON "quarter_recap" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_recap_late_entry_insert" AFTER INSERT ON "recap_late_entry" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_recap_late_entry_update" AFTER UPDATE ON "recap_late_entry" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_recap_late_entry_delete" AFTER DELETE ON "recap_late_entry" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_recap_frozen_complaint_insert" AFTER INSERT ON "recap_frozen_complaint" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_recap_frozen_complaint_update" AFTER UPDATE ON "recap_frozen_complaint" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_recap_frozen_complaint_delete" AFTER DELETE ON "recap_frozen_complaint" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_day_insert" AFTER INSERT ON "application_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_day_delete" AFTER DELETE ON "application_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_cohort_day_insert" AFTER INSERT ON "application_cohort_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_cohort_day_delete" AFTER DELETE ON "application_cohort_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_day_insert" AFTER INSERT ON "complaint_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_day_delete" AFTER DELETE ON "complaint_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_count_day_insert" AFTER INSERT ON "complaint_count_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_count_day_delete" AFTER DELETE ON "complaint_count_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_day_insert" AFTER INSERT ON "survey_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_day_delete" AFTER DELETE ON "survey_day" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_insert" AFTER INSERT ON "application" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_update" AFTER UPDATE OF "created_at", "handed_over_at", "promised_date" ON "application"
WHEN OLD."created_at" IS NOT NEW."created_at" OR OLD."handed_over_at" IS NOT NEW."handed_over_at" OR OLD."promised_date" IS NOT NEW."promised_date" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_delete" AFTER DELETE ON "application" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_status_event_insert" AFTER INSERT ON "application_status_event" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_status_event_update" AFTER UPDATE OF "application_id", "at", "to_status" ON "application_status_event"
WHEN OLD."application_id" IS NOT NEW."application_id" OR OLD."at" IS NOT NEW."at" OR OLD."to_status" IS NOT NEW."to_status" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_application_status_event_delete" AFTER DELETE ON "application_status_event" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_insert" AFTER INSERT ON "complaint" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_update" AFTER UPDATE OF "category_id", "channel", "complainant_name", "created_at", "first_response_at", "followed_up_at", "is_anonymous", "is_confidential", "received_at", "status", "text", "tindak_lanjut", "tracking_number" ON "complaint"
WHEN OLD."category_id" IS NOT NEW."category_id" OR OLD."channel" IS NOT NEW."channel" OR OLD."complainant_name" IS NOT NEW."complainant_name" OR OLD."created_at" IS NOT NEW."created_at" OR OLD."first_response_at" IS NOT NEW."first_response_at" OR OLD."followed_up_at" IS NOT NEW."followed_up_at" OR OLD."is_anonymous" IS NOT NEW."is_anonymous" OR OLD."is_confidential" IS NOT NEW."is_confidential" OR OLD."received_at" IS NOT NEW."received_at" OR OLD."status" IS NOT NEW."status" OR OLD."text" IS NOT NEW."text" OR OLD."tindak_lanjut" IS NOT NEW."tindak_lanjut" OR OLD."tracking_number" IS NOT NEW."tracking_number" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_complaint_delete" AFTER DELETE ON "complaint" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_response_insert" AFTER INSERT ON "survey_response" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_response_update" AFTER UPDATE OF "status", "submitted_at" ON "survey_response"
WHEN OLD."status" IS NOT NEW."status" OR OLD."submitted_at" IS NOT NEW."submitted_at" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_response_delete" AFTER DELETE ON "survey_response" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_answer_insert" AFTER INSERT ON "survey_answer" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_answer_update" AFTER UPDATE OF "element", "response_id", "score" ON "survey_answer"
WHEN OLD."element" IS NOT NEW."element" OR OLD."response_id" IS NOT NEW."response_id" OR OLD."score" IS NOT NEW."score" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
CREATE TRIGGER "figure_version_survey_answer_delete" AFTER DELETE ON "survey_answer" BEGIN UPDATE "figure_version" SET "n" = random() WHERE "id" = 1; END;
