-- Takes the due timers of the approvals a timer loop has locked: deleted in the loop's transaction, which also writes
-- what they did, so a timer fires exactly once. Should the transaction not commit (the process died, the database
-- went away), the timers are back, and the next claim fires them.
DELETE FROM approval_timers AS t
WHERE t.approval_id = ANY (:approval_ids::uuid[]) AND t.due_at <= :now
RETURNING t.id, t.approval_id, t.kind, t.deadline, t.before_deadline
