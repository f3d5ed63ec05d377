-- One approval as its API representation needs it: the row, its service rules in order, and one row per delivery
-- job of its current decision (one row with NULL job columns when there is none). :created_by limits it to one
-- creator's approvals (NULL: anyone's). Mirrored by bench/pgbench/get.sql and decide.sql.
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz, a.on_deadline, a.remind_before, a.stages, a.open_stage, a.votes, a.escalation,
       ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
       d.id, d.service_rule_id, d.state, d.attempts, d.reported_status, d.next_attempt_at, d.last_error
FROM approvals AS a
LEFT JOIN delivery_jobs AS d ON d.approval_id = a.id AND d.decision_id = a.current_decision_id
WHERE a.id = :approval_id AND (:created_by::text IS NULL OR a.created_by = :created_by::text)
