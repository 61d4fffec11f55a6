-- Issue 83: a fresh receipt whose number another counter PC of the kecamatan holds at the center (a conflict
-- waiting, days at times): its record is refused until the conflict is settled, and /cek answered "tidak cocok".
-- The code's keyed digest under that number is kept here, so /cek tells that receipt the number is being
-- checked at the regency; the row goes when its record is stored or the record the center holds is final.
CREATE TABLE "public_status_waiting" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "code_key" VARCHAR(255) NOT NULL,
    "at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "public_status_waiting_number_code_key_kecamatan_id" ON "public_status_waiting" ("number", "code_key", "kecamatan_id");
