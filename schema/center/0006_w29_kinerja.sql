-- Issue 29, the regency sees every kecamatan: each version of a kecamatan's approved quarterly
-- recap (counts, IKM, service indicators and the public notice; no name, no complaint text), kept
-- whole; an addendum after approval is a new version, the earlier ones stay. `figures_json` holds
-- what the side-by-side table reads (a few hundred bytes): a page of 30 kecamatan parses no notice.

CREATE TABLE "performance_report" (
    "id" {ID},
    "kecamatan_id" INTEGER NOT NULL,
    "year" INTEGER NOT NULL,
    "quarter" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "record_json" TEXT NOT NULL,
    "figures_json" TEXT NOT NULL,
    "approved_at" {DATETIME} NOT NULL,
    "key_id" VARCHAR(255) NOT NULL,
    "via" VARCHAR(255) NOT NULL,
    "received_at" {DATETIME} NOT NULL,
    FOREIGN KEY ("kecamatan_id") REFERENCES "kecamatan" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "performance_report_kecamatan_id_year_quarter_version"
    ON "performance_report" ("kecamatan_id", "year", "quarter", "version");
CREATE INDEX "performance_report_year_quarter" ON "performance_report" ("year", "quarter");
