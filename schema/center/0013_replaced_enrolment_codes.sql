-- Issue 42: a second enrolment code made for a kecamatan replaces the first. The hashes of codes replaced
-- before they were used are kept (a JSON list, newest last, a few at most), so a PC typing the first code
-- is told "Kode ini sudah diganti dengan kode yang lebih baru" instead of "Kode pendaftaran salah".
ALTER TABLE "kecamatan" ADD COLUMN "replaced_code_hashes" TEXT NOT NULL DEFAULT '[]';
