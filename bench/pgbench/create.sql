-- create: the statements ApprovalService sends for POST /api/v1/approvals (see
-- bench/results/statements-create-service.sql after a run), with the values create.lua posts (-D variables from
-- Scenarios.cs). Round trips as Npgsql makes them: the service-rule check; BEGIN sent with EF Core's batch of three
-- INSERTs; COMMIT. Ids are unique per run, client and transaction (run and seq come from PgbenchRunner).
\set seq :seq + 1
\set k :run * 268435456 + :client_id * 1048576 + :seq
\set pending 2
\set one 1
\set rule 1
\set position 0
SELECT s.id
FROM service_rules AS s
WHERE s.id = ANY (:rules) AND s.enabled;
\startpipeline
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
INSERT INTO approvals (id, comment, created_at, created_by, current_decision_id, deadline, description, previous_status, status, title, version)
VALUES (('018f0001-0000-7000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid, :comment, :now, :actor, NULL, :deadline, :description, NULL, :pending, :title, :one)
RETURNING updated_at;
INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
VALUES (('018f0001-0000-7000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid, :rule, :position);
INSERT INTO approval_history (action, actor, approval_id, at, changes, correlation_id, from_status, to_status)
VALUES (:created, :actor, ('018f0001-0000-7000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid, :now, :changes, :correlation_id, NULL, :pending)
RETURNING id;
\endpipeline
COMMIT;
