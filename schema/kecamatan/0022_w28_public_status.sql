-- Issue 28: each application and complaint followed from a citizen's phone through the center's
-- public page. The slip's check code (the number alone is not enough) and the step counter of the
-- minimal public record sent to the center whenever the public state changes (kind
-- 'status_publik' in the outbox).
CREATE TABLE "public_status" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "kind" VARCHAR(255) NOT NULL,
    "source_id" INTEGER NOT NULL,
    "number" VARCHAR(255) NOT NULL,
    "check_code" VARCHAR(255) NOT NULL,
    "step" INTEGER NOT NULL,
    "content_hash" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "public_status_kind_source_id" ON "public_status" ("kind", "source_id");
CREATE UNIQUE INDEX "public_status_number" ON "public_status" ("number");
