-- create: the statement ApprovalService sends for POST /api/v1/approvals (src/Approvals.Api/Approvals/ApprovalInsert.cs;
-- see bench/results/statements-create-service.sql after a run), with the values create.lua posts (-D variables from
-- Scenarios.cs): one round trip that checks the service rules and inserts the approval, its rules and its created event.
-- Ids are unique per run, client and transaction (run and seq come from PgbenchRunner). The casts stand in for the
-- parameter types Npgsql sends (pgbench sends untyped text).
\set seq :seq + 1
\set k :run * 268435456 + :client_id * 1048576 + :seq
\set pending 2
\set one 1
WITH usable AS (
    SELECT s.id FROM service_rules AS s WHERE s.id = ANY (:rules::int[]) AND s.enabled
), approval AS (
    INSERT INTO approvals (id, title, description, comment, status, deadline, created_by, created_at, version)
    SELECT ('018f0001-0000-7000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid, :title::text, :description::text, :comment::text, :pending::smallint, :deadline::timestamptz, :actor::text, :now::timestamptz, :one::int
    WHERE NOT EXISTS (SELECT 1 FROM unnest(:rules::int[]) AS r(id) WHERE r.id NOT IN (SELECT u.id FROM usable AS u))
    RETURNING id, updated_at
), rules AS (
    INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
    SELECT a.id, r.id, r.ordinal - 1 FROM approval AS a, unnest(:rules::int[]) WITH ORDINALITY AS r(id, ordinal)
), event AS (
    INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
    SELECT gen_random_uuid(), a.id, :one::int, :created::text, :now::timestamptz, :actor::text, :correlation_id::text, :data::jsonb FROM approval AS a
)
SELECT (SELECT a.updated_at FROM approval AS a), ARRAY(SELECT u.id FROM usable AS u);
