-- decide: every statement ApprovalService sends for one decision with an Idempotency-Key, from the request to the
-- final status (see bench/results/statements-decide-service.sql after a run), for an approval naming one service
-- rule. Round trips as Npgsql makes them: Npgsql batches are one \startpipeline
-- block each, and a transaction's BEGIN goes out with the statement after it.
--   1. POST .../decision: the filter's transaction with the key's claim, the locking read of the approval and its
--      rules (one batch, ApprovalChangeReads.cs), the approval + job + event batch (ApprovalWrite.cs), the stored
--      response (a first decision has no jobs to supersede).
--   2. The dispatcher: the claim and the query for the next due time in one batch (the service sends that batch
--      once per claim, and a claim takes one job or more: about 0.25 times per decision at the maximum rate), then
--      the preparation in one batch (the approval with its rules and jobs, as ApprovalReader reads it: its creator
--      parameter is NULL, which pgbench cannot bind, so it is a literal; and the service rule).
--      This is the path of a decision at the maximum rate: every slot of the service's dispatcher is busy, so the
--      decision queues its job (the jobs' insert has no lease owner: NULL, a literal here too) and a claim takes it.
--      With a slot free, a decision hands its job to the dispatcher already leased, with no notification and no
--      claim (Delivery/DeliveryHandOff.cs); that is the half-rate phase's path, which has no ceiling.
--   3. The recording: one batch with the locked approval, the job's update, the jobs' standings and the attempt
--      (DeliveryRecorder.cs); then the approval + event batch (ApprovalWrite.cs).
-- The differences: the claim also filters on this transaction's own approval, since a pgbench client must not
-- claim another client's job (the service's claim takes any due job); and the jobs fall due at :due_at, far in the
-- future, so the service's own dispatcher, still running beside pgbench, never takes them.
-- (pgbench reads ":name" as a variable even inside quotes, so values with a colon come in as -D variables.)
-- DecideCeiling.cs writes a pending pool approval per (client, seq) under :pool_prefix and checks afterwards that
-- every transaction brought one to its final status; :job_prefix and :decision_prefix number the job and decision.
\set seq :seq + 1
\set k :client_id * 1048576 + :seq
\set pending 2
\set acknowledged 6
\set approved 3
\set rule 1
\startpipeline
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
INSERT INTO idempotency_keys (caller, key, request_hash, created_at)
VALUES (:actor, 'bench-' || lpad(to_hex(:k::bigint), 12, '0') || :pool_prefix, :request_hash, :now) ON CONFLICT DO NOTHING;
\endpipeline
\startpipeline
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz
FROM approvals AS a WHERE a.id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid FOR UPDATE;
SELECT r.service_rule_id, r.position FROM approval_service_rules AS r
WHERE r.approval_id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid ORDER BY r.position;
\endpipeline
\startpipeline
UPDATE approvals
SET title = 'Ceiling approval', description = 'Decided by pgbench.', comment = '', deadline = '2099-12-31T00:00:00Z',
    status = :acknowledged, previous_status = :pending, version = 2, current_decision_id = (:decision_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, last_error = NULL
WHERE id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid AND version = 1
RETURNING updated_at;
INSERT INTO delivery_jobs (id, approval_id, decision_id, service_rule_id, requested_status, state, attempts,
                           schedule_step, next_attempt_at, created_at, lease_owner, lease_expires_at)
SELECT j.id, (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, (:decision_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, j.rule, :approved::smallint, h.step, h.step, h.step, :due_at::timestamptz + f.delay, :now::timestamptz,
       CASE WHEN h.step = 1 THEN NULL::text END,
       CASE WHEN h.step = 1 THEN :now::timestamptz + greatest(interval '60 seconds', make_interval(secs => s.timeout_seconds) + interval '5 seconds') END
FROM unnest(ARRAY[(:job_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid], :rules::int[]) AS j(id, rule)
JOIN service_rules AS s ON s.id = j.rule
CROSS JOIN LATERAL (SELECT make_interval(secs => coalesce(s.retry_schedule[1], 0)) AS delay) AS f
CROSS JOIN LATERAL (SELECT CASE WHEN NULL::text IS NOT NULL AND f.delay = interval '0' THEN 1 ELSE 0 END AS step) AS h
RETURNING id, next_attempt_at, state, lease_expires_at;
INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
VALUES (gen_random_uuid(), (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, 2, :decided_type, :now, :actor, :correlation_id, :decided_data);
\endpipeline
UPDATE idempotency_keys SET status_code = 202, response_body = :response_body,
    location = '/api/v1/approvals/' || :pool_prefix || lpad(to_hex(:k::bigint), 12, '0'), e_tag = '"2"'
WHERE caller = :actor AND key = 'bench-' || lpad(to_hex(:k::bigint), 12, '0') || :pool_prefix;
COMMIT;
\startpipeline
WITH expired AS (
    SELECT d.id
    FROM delivery_jobs d
    WHERE d.state = 1 AND d.lease_expires_at <= :due_at AND d.id <> ALL('{}'::uuid[])
      AND d.approval_id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
    ORDER BY d.lease_expires_at
    LIMIT 16
    FOR UPDATE OF d SKIP LOCKED),
pending AS (
    SELECT d.id
    FROM delivery_jobs d
    WHERE d.state = 0 AND d.next_attempt_at <= :due_at
      AND d.approval_id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
    ORDER BY d.next_attempt_at
    LIMIT 16
    FOR UPDATE OF d SKIP LOCKED),
due AS (
    (SELECT e.id FROM expired e UNION ALL SELECT p.id FROM pending p)
    LIMIT 16),
stale AS (
    UPDATE delivery_jobs s
    SET state = 4, completed_at = :now, lease_expires_at = NULL
    FROM due
    WHERE s.id = due.id
      AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id = s.approval_id AND a.current_decision_id = s.decision_id))
UPDATE delivery_jobs j
SET state = 1,
    lease_owner = :owner,
    lease_expires_at = :now::timestamptz + greatest(interval '60 seconds', make_interval(secs => r.timeout_seconds) + interval '5 seconds'),
    attempts = j.attempts + 1,
    schedule_step = j.schedule_step + 1
FROM due, service_rules r, approvals a
WHERE j.id = due.id AND r.id = j.service_rule_id AND a.id = j.approval_id AND a.current_decision_id = j.decision_id
RETURNING j.id, j.approval_id, j.decision_id, j.service_rule_id, j.requested_status, j.attempts, j.schedule_step, j.lease_expires_at;
SELECT least(
    (SELECT d.next_attempt_at FROM delivery_jobs d WHERE d.state = 0 ORDER BY d.next_attempt_at LIMIT 1),
    (SELECT d.lease_expires_at FROM delivery_jobs d WHERE d.state = 1 AND d.id <> ALL('{}'::uuid[]) ORDER BY d.lease_expires_at LIMIT 1));
\endpipeline
\startpipeline
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz,
       ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
       d.id, d.service_rule_id, d.state, d.attempts, d.reported_status, d.next_attempt_at, d.last_error
FROM approvals AS a
LEFT JOIN delivery_jobs AS d ON d.approval_id = a.id AND d.decision_id = a.current_decision_id
WHERE a.id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid AND (NULL::text IS NULL OR a.created_by = NULL::text);
SELECT s.id, s.name, s.url, s.api_key, s.enabled, s.signing_secret, s.previous_signing_secret, s.timeout_seconds,
       s.retry_schedule, s.allow_self_approval, s.created_at, s.updated_at
FROM service_rules AS s
WHERE s.id = :rule;
\endpipeline
\startpipeline
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz
FROM approvals AS a WHERE a.id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid FOR UPDATE;
UPDATE delivery_jobs AS d
SET state = 2, lease_expires_at = NULL, last_error = NULL, last_error_code = NULL,
    next_attempt_at = coalesce(NULL::timestamptz, d.next_attempt_at),
    completed_at = CASE WHEN true THEN :now::timestamptz ELSE d.completed_at END,
    reported_status = CASE WHEN true THEN :approved::smallint ELSE d.reported_status END
WHERE d.id = (:job_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid AND d.state = 1 AND d.lease_owner = :owner AND d.attempts = 1
RETURNING d.id;
SELECT d.id, d.service_rule_id, s.name, d.state, d.reported_status, d.last_error_code, d.last_error
FROM delivery_jobs AS d
JOIN service_rules AS s ON s.id = d.service_rule_id
WHERE d.approval_id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid AND d.decision_id = (:decision_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid;
INSERT INTO delivery_attempts (job_id, number, started_at, duration_ms, http_status, error, response_excerpt)
VALUES ((:job_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, 1, :now, 3, 200, NULL, :response_excerpt);
\endpipeline
\startpipeline
UPDATE approvals
SET title = 'Ceiling approval', description = 'Decided by pgbench.', comment = '', deadline = '2099-12-31T00:00:00Z',
    status = :approved, previous_status = :acknowledged, version = 3, current_decision_id = (:decision_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, last_error = NULL
WHERE id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid AND version = 2
RETURNING updated_at;
INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
VALUES (gen_random_uuid(), (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, 3, :resolved_type, :now, :dispatcher_actor, NULL, :resolved_data);
\endpipeline
COMMIT;
