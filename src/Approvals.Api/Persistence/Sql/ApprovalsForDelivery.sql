-- What a RabbitMQ worker's deliveries need, for several approvals in one statement: each approval as a delivery
-- describes it (ApprovalGet's columns: the row, its service rules, one row per job of its current decision), and for
-- each of those jobs its schedule step, the status it asks for, and its service rule as a delivery needs it
-- (ServiceRuleGet's columns), then the job's trace context. Rows of one approval are adjacent. A job that is not among an approval's rows no
-- longer counts (a new decision superseded it).
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz, a.on_deadline, a.remind_before, a.stages, a.open_stage, a.votes, a.escalation,
       ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
       d.id, d.service_rule_id, d.state, d.attempts, d.reported_status, d.next_attempt_at, d.last_error,
       d.schedule_step, d.requested_status,
       s.id, s.name, s.url, s.api_key, s.enabled, s.signing_secret, s.previous_signing_secret, s.timeout_seconds,
       s.retry_schedule, s.allow_self_approval, s.created_at, s.updated_at,
       d.trace_parent
FROM approvals AS a
LEFT JOIN delivery_jobs AS d ON d.approval_id = a.id AND d.decision_id = a.current_decision_id
LEFT JOIN service_rules AS s ON s.id = d.service_rule_id
WHERE a.id = ANY (:approval_ids::uuid[])
ORDER BY a.id
