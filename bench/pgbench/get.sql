-- get: the statements ApprovalService sends for GET /api/v1/approvals/{id} (see bench/results/statements-get-service.sql
-- after a run), with the same parameters: a random existing id, LIMIT 1. The id is built from a random number in SQL
-- because pgbench variables can only be numbers (DataSet.cs: approval n has the id <id_prefix><n in 12 hex digits>).
-- EF Core's split query: the approval, its service rules, its delivery jobs, one round trip each.
\set n random(1, :approvals)
\set one 1
SELECT a.id, a.comment, a.created_at, a.created_by, a.current_decision_id, a.deadline, a.description, a.previous_status, a.status, a.title, a.updated_at, a.version, a.last_error
FROM approvals AS a
WHERE a.id = (:id_prefix::text || lpad(to_hex(:n::bigint), 12, '0'))::uuid
ORDER BY a.id
LIMIT :one;
SELECT a0.approval_id, a0.service_rule_id, a0.position, a1.id
FROM (
    SELECT a.id
    FROM approvals AS a
    WHERE a.id = (:id_prefix::text || lpad(to_hex(:n::bigint), 12, '0'))::uuid
    ORDER BY a.id
    LIMIT :one
) AS a1
INNER JOIN approval_service_rules AS a0 ON a1.id = a0.approval_id
ORDER BY a1.id;
SELECT d.id, d.approval_id, d.attempts, d.completed_at, d.created_at, d.decision_id, d.last_error, d.lease_expires_at, d.lease_owner, d.next_attempt_at, d.reported_status, d.requested_status, d.service_rule_id, d.state, a2.id
FROM (
    SELECT a.id
    FROM approvals AS a
    WHERE a.id = (:id_prefix::text || lpad(to_hex(:n::bigint), 12, '0'))::uuid
    ORDER BY a.id
    LIMIT :one
) AS a2
INNER JOIN delivery_jobs AS d ON a2.id = d.approval_id
ORDER BY a2.id;
