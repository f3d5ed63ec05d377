-- get: the statement ApprovalService sends for GET /api/v1/approvals/{id} (see bench/results/statements-get-service.sql
-- after a run): one query joining the approval, its service rules and its delivery jobs, for a random existing id.
-- The id is built from a random number in SQL because pgbench variables can only be numbers (DataSet.cs: approval n
-- has the id <id_prefix><n in 12 hex digits>).
\set n random(1, :approvals)
SELECT a1.id, a1.comment, a1.created_at, a1.created_by, a1.current_decision_id, a1.deadline, a1.description, a1.previous_status, a1.status, a1.title, a1.updated_at, a1.version, a1.c, a0.approval_id, a0.service_rule_id, a0.position, d.id, d.approval_id, d.attempts, d.completed_at, d.created_at, d.decision_id, d.last_error, d.last_error_code, d.lease_expires_at, d.lease_owner, d.next_attempt_at, d.reported_status, d.requested_status, d.schedule_step, d.service_rule_id, d.state
FROM (
    SELECT a.id, a.comment, a.created_at, a.created_by, a.current_decision_id, a.deadline, a.description, a.previous_status, a.status, a.title, a.updated_at, a.version, a.last_error AS c
    FROM approvals AS a
    WHERE a.id = (:id_prefix::text || lpad(to_hex(:n::bigint), 12, '0'))::uuid
    LIMIT 1
) AS a1
LEFT JOIN approval_service_rules AS a0 ON a1.id = a0.approval_id
LEFT JOIN delivery_jobs AS d ON a1.id = d.approval_id
ORDER BY a1.id, a0.approval_id, a0.service_rule_id;
