-- list: the statements ApprovalService sends for GET /api/v1/approvals?status=PENDING&sort=deadline (see
-- bench/results/statements-list-service.sql after a run): status = ANY (:pending_statuses), PENDING's stored value
-- as an array (-D from Scenarios.cs, computed from the enum), and one item more than the page (51) to know whether
-- there is a next page. EF Core's split query: approvals, their service rules, their delivery jobs. These come from
-- EF Core, not from the service's Persistence/Sql files, so they are written here; the tool still passes the script
-- through its template expansion (PgbenchScript.cs, which only drops the comments here) into bench/results/pgbench-list.sql.
\set page 51
SELECT a.id, a.comment, a.created_at, a.created_by, a.current_decision_id, a.deadline, a.description, a.previous_status, a.status, a.title, a.updated_at, a.version, a.last_error
FROM approvals AS a
WHERE a.status = ANY (:pending_statuses)
ORDER BY a.deadline, a.id
LIMIT :page;
SELECT a0.approval_id, a0.service_rule_id, a0.position, a1.id
FROM (
    SELECT a.id, a.deadline
    FROM approvals AS a
    WHERE a.status = ANY (:pending_statuses)
    ORDER BY a.deadline, a.id
    LIMIT :page
) AS a1
INNER JOIN approval_service_rules AS a0 ON a1.id = a0.approval_id
ORDER BY a1.deadline, a1.id;
SELECT d.id, d.approval_id, d.attempts, d.completed_at, d.created_at, d.decision_id, d.last_error, d.last_error_code, d.lease_expires_at, d.lease_owner, d.next_attempt_at, d.reported_status, d.requested_status, d.schedule_step, d.service_rule_id, d.state, a2.id
FROM (
    SELECT a.id, a.deadline
    FROM approvals AS a
    WHERE a.status = ANY (:pending_statuses)
    ORDER BY a.deadline, a.id
    LIMIT :page
) AS a2
INNER JOIN delivery_jobs AS d ON a2.id = d.approval_id
ORDER BY a2.deadline, a2.id;
