-- One submission, one record (app/frame/submissions.py): the one-time token of every form that
-- creates something, with the page of what it made; a repeat of the form answers with that page.
CREATE TABLE "form_submission" (
    "token" VARCHAR(255) NOT NULL PRIMARY KEY,
    "endpoint" VARCHAR(255) NOT NULL,
    "result_url" VARCHAR(255) NOT NULL,
    "at" DATETIME NOT NULL
);
CREATE INDEX "form_submission_at" ON "form_submission" ("at");
