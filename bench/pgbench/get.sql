-- get: the statement ApprovalService sends for GET /api/v1/approvals/{id} and the legacy GET /request?id=
-- (src/Approvals.Api/Approvals/ApprovalReader.cs; see bench/results/statements-get-service.sql after a run): the
-- approval, its service rules as an array and the delivery jobs of its current decision, for a random existing id.
-- The id is built from a random number in SQL because pgbench variables can only be numbers (DataSet.cs: approval n
-- has the id <id_prefix><n in 12 hex digits>). The second parameter, the creator a caller may be limited to, is NULL
-- for the benchmark's key (it reads every approval); pgbench cannot bind a NULL, so it is written as a literal.
\set n random(1, :approvals)
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz,
       ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
       d.id, d.service_rule_id, d.state, d.attempts, d.reported_status, d.next_attempt_at, d.last_error
FROM approvals AS a
LEFT JOIN delivery_jobs AS d ON d.approval_id = a.id AND d.decision_id = a.current_decision_id
WHERE a.id = (:id_prefix::text || lpad(to_hex(:n::bigint), 12, '0'))::uuid AND (NULL::text IS NULL OR a.created_by = NULL::text);
