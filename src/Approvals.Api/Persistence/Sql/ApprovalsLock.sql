-- Several approvals' rows (ApprovalLock's columns), locked until the transaction ends, always in id order, so two
-- workers' batches that share approvals take them in the same order and never wait on each other in a cycle.
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz, a.on_deadline, a.remind_before, a.stages, a.open_stage, a.votes, a.escalation
FROM approvals AS a
WHERE a.id = ANY (:approval_ids::uuid[])
ORDER BY a.id
FOR UPDATE
