-- Issue 24, one live identity per PC: the machine that numbers with this database (a hash of a
-- random id kept beside the database key, never in a backup). A database restored from another
-- PC's backup names that PC: this one refuses to number until the admin says whether it replaces
-- that PC or is an additional one (app/frame/installation.py). NULL: stamped at the next start.
ALTER TABLE "installation" ADD COLUMN "machine" VARCHAR(64);
