-- Issue 27: the service-time indicator counts an application in the period its promise is
-- settled (ready by the promised date, or overdue the day after it), so it reads applications by
-- promised date from the start of the trend window; without this index that read every row.
CREATE INDEX "application_promised_date" ON "application" ("promised_date");
