-- Issue 61: each batch file the center's USB import read, by the hash of its bytes, so the same file
-- imported again is told apart from a new file whose applications had all arrived already by sync or
-- by other files (sync/center/usb_files.py). No personal data: a hash, a file name and a time.
CREATE TABLE "usb_batch_file" (
    "id" {ID},
    "sha256" VARCHAR(255) NOT NULL,
    "kecamatan_id" INTEGER NOT NULL,
    "filename" VARCHAR(255) NOT NULL,
    "imported_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "usb_batch_file_sha256" ON "usb_batch_file" ("sha256");
