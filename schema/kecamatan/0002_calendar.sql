-- The admin's corrections to the national working-day calendar.
CREATE TABLE "office_day" (
    "day" DATE NOT NULL PRIMARY KEY,
    "kind" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" DATETIME NOT NULL
);
