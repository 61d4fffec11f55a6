-- Issue 28: "Terakhir diperbarui" on the public status page tells when the kecamatan's counter PCs
-- last delivered their public state (a sync pass or a USB batch file), not when any of its keys
-- last signed a request (last_seen_at: a desa PC's key or a probe says nothing of that state).
ALTER TABLE "kecamatan" ADD COLUMN "public_synced_at" {DATETIME};
