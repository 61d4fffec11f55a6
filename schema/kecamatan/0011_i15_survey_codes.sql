-- Survey answers tied to a service received (PermenPANRB 14/2017: respondents are service users).
-- Each registration, handover and complaint slip carries one code the kiosk accepts once.
CREATE TABLE "survey_code" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "code" VARCHAR(255) NOT NULL,
    "service" VARCHAR(255) NOT NULL,
    "reference" VARCHAR(255) NOT NULL,
    "issued_at" DATETIME NOT NULL,
    "used_at" DATETIME
);
CREATE UNIQUE INDEX "survey_code_code" ON "survey_code" ("code");
CREATE UNIQUE INDEX "survey_code_service_reference" ON "survey_code" ("service", "reference");

-- status: 'sah' counts in the official IKM; 'menunggu' is a walk-in answer without a code,
-- counted apart until the information officer reviews it; 'batal' was voided with a reason.
-- Answers stored before codes existed stay as they were counted ('sah').
ALTER TABLE "survey_response" ADD COLUMN "code_id" INTEGER REFERENCES "survey_code" ("id") ON DELETE SET NULL;
ALTER TABLE "survey_response" ADD COLUMN "status" VARCHAR(255) NOT NULL DEFAULT 'sah'
    CHECK (status IN ('sah', 'menunggu', 'batal'));
ALTER TABLE "survey_response" ADD COLUMN "void_reason" TEXT NOT NULL DEFAULT '';
ALTER TABLE "survey_response" ADD COLUMN "reviewed_by_id" INTEGER REFERENCES "user" ("id") ON DELETE SET NULL;
ALTER TABLE "survey_response" ADD COLUMN "reviewed_at" DATETIME;
CREATE UNIQUE INDEX "survey_response_code_id" ON "survey_response" ("code_id");
CREATE INDEX "survey_response_status_submitted_at" ON "survey_response" ("status", "submitted_at");
