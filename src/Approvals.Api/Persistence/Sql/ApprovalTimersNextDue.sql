-- When the next timer falls due (the loop sleeps until then, or until a commit here schedules an earlier one, or for
-- at most its poll interval), leaving out the approvals a loop has left out for failing. Walks the index on due_at.
SELECT min(t.due_at) FROM approval_timers AS t WHERE t.approval_id <> ALL (:exclude::uuid[])
