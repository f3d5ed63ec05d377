-- The approvals a timer loop has locked (ApprovalTimersClaim.sql), read after the lock so that they, their service
-- rules and the rules' onDeadline defaults (in the approval's order; NULL: the rule sets none) are the committed ones:
-- ApprovalLock's columns, then the two arrays.
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz, a.on_deadline, a.remind_before, a.stages, a.open_stage, a.votes, a.escalation,
       ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
       ARRAY(SELECT s.on_deadline
             FROM approval_service_rules AS r JOIN service_rules AS s ON s.id = r.service_rule_id
             WHERE r.approval_id = a.id ORDER BY r.position)
FROM approvals AS a
WHERE a.id = ANY (:approval_ids::uuid[])
ORDER BY a.id
