-- Issue 72: a number the kecamatan gave again (at a PC's enrolment, or by the operator's decision on a
-- conflict). The citizen's old receipt carries the old number and the same check code: /cek answers it
-- with "the number was changed, ask for the new receipt", never naming the new number. One row per old
-- number of a public record, the code's keyed digest under that number as for the record itself.
CREATE TABLE "public_status_previous" (
    "id" {ID},
    "status_id" INTEGER NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "code_key" VARCHAR(255) NOT NULL,
    FOREIGN KEY ("status_id") REFERENCES "public_status" ("id") ON DELETE CASCADE);
CREATE INDEX "public_status_previous_status_id" ON "public_status_previous" ("status_id");
CREATE INDEX "public_status_previous_number" ON "public_status_previous" ("number");
