-- create: what ApprovalService sends for POST /api/v1/approvals (ApprovalCreation, ApprovalStore.InsertAsync; see
-- bench/results/statements-create-service.sql after a run), with the values create.lua posts (-D variables from
-- Scenarios.cs): one round trip that checks the service rules and inserts the approval, its rules and its created
-- event.
-- A template: the tool expands it into bench/results/pgbench-create.sql before pgbench runs it (PgbenchScript.cs).
--   -- include: Name        the service's statement src/Approvals.Api/Persistence/Sql/Name.sql, as the service sends it
--   -- bind: param = expr   from here on, the included statements' parameter :param is expr
--   -- with: param = expr   the same for the next include only
-- Every other :name is a pgbench variable, given with -D (Scenarios.cs) or \set here.
-- Ids are unique per run, client and transaction (run and seq come from PgbenchRunner), built in SQL from a number,
-- which is all \set can compute: the approval's under 018f0001-, its event's under 018f0006-.
\set seq :seq + 1
\set k :run * 268435456 + :client_id * 1048576 + :seq
-- bind: approval_id = ('018f0001-0000-7000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- bind: event_id = ('018f0006-0000-7000-8000-' || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- include: ApprovalInsert
