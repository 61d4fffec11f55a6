-- The dashboard's and the complaint book's overdue counts for staff who do not see confidential
-- complaints (the Camat, the counter): status, not confidential, received before the cut-off, all
-- in one index range. With only (status, received_at) every open complaint's row was read to test
-- is_confidential: 14 s for the Camat's dashboard at 200,000 complaints (bench/bench_recap.py).
CREATE INDEX "complaint_status_is_confidential_received_at" ON "complaint" ("status", "is_confidential", "received_at");
