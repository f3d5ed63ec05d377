-- The timers an edit of an approval's deadline, onDeadline or remindBefore schedules, in its transaction (which holds
-- the approval's lock). A timer equal to a stored one (same approval, kind, deadline and offset) keeps the stored one,
-- so a timer is never doubled, and the edit never waits for a timer loop: a loop only deletes the timers of an
-- approval whose lock it holds.
INSERT INTO approval_timers (id, approval_id, kind, due_at, deadline, before_deadline, created_at)
SELECT t.id, :approval_id, t.kind, t.due_at, t.deadline, t.before_deadline, :created_at
FROM unnest(:timer_ids::uuid[], :timer_kinds::smallint[], :timer_due_ats::timestamptz[], :timer_deadlines::timestamptz[],
            :timer_offsets::interval[]) AS t(id, kind, due_at, deadline, before_deadline)
ON CONFLICT (approval_id, kind, deadline, before_deadline) DO NOTHING
