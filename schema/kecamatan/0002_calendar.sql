-- Placeholder on branch recap: the real 0002_calendar migration lands from another branch.
-- At merge time take the other branch's file and delete this one.
SELECT 1;
