-- decide: every statement ApprovalService sends for one decision with an Idempotency-Key, from the request to the
-- final status (see bench/results/statements-decide-service.sql after a run), for an approval naming one service
-- rule. Round trips as Npgsql makes them: Npgsql batches are one \startpipeline block each, and a transaction's BEGIN
-- is the first statement of its first batch (UnitOfWork).
-- A template: the tool expands it into bench/results/pgbench-decide.sql before pgbench runs it (PgbenchScript.cs).
--   -- include: Name        the service's statement src/Approvals.Api/Persistence/Sql/Name.sql, as the service sends it
--   -- bind: param = expr   from here on, the included statements' parameter :param is expr
--   -- with: param = expr   the same for the next include only
-- Every other :name is a pgbench variable, given with -D (DecideCeiling.VariablesFor) or \set here. Bindings build
-- the ids from numbers (all \set can compute), give the NULLs and the empty comment (pgbench refuses an empty -D), and
-- cast what the service's statements leave to the parameter types Npgsql sends (pgbench sends untyped text).
--   1. POST .../decision (the request's unit of work, one transaction): the look-up of the key (IdempotencyStore), the
--      locking read of the approval and its rules (ApprovalStore.LockAsync), the change's batch
--      (ApprovalStore.SaveAsync: the approval, its job, its decided event; a first decision supersedes no jobs),
--      the stored response.
--   2. The dispatcher: the claim and the query for the next due time in one batch (DeliveryJobStore.ClaimAsync; the
--      service sends that batch once per claim, and a claim takes one job or more: about 0.25 times per decision at
--      the maximum rate), then the preparation in one batch (ApprovalStore.ReadForDeliveryAsync: the approval with
--      its rules and jobs, whoever created it, and the service rule).
--      This is the path of a decision at the maximum rate: every slot of the service's dispatcher is busy, so the
--      decision queues its job (the jobs' insert has no lease owner) and a claim takes it. With a slot free, a
--      decision hands its job to the dispatcher already leased, with no notification and no claim
--      (DeliveryHandOff); that is the half-rate phase's path, which has no ceiling.
--   3. The recording of a success (the job's unit of work): one batch with the locked approval, the job's update,
--      the jobs' standings and the attempt (DeliveryJobStore.RecordAttemptAsync); then the approval and its two
--      events, the job's outcome and the resolution it brings (ApprovalStore.SaveAsync).
-- The differences: the claim's :only_approval, NULL for the service, is this transaction's approval, since a pgbench
-- client must claim its own job and no other client's; and the jobs fall due at :due_at, far in the future, so the
-- service's own dispatcher, still running beside pgbench, never takes them (the claim's :now is :due_at).
-- DecideCeiling.cs writes a pending pool approval per (client, seq) under :pool_prefix and checks afterwards that
-- every transaction brought one to its final status with its three events.
\set seq :seq + 1
\set k :client_id * 1048576 + :seq
-- bind: approval_id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- bind: decision_id = (:decision_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- bind: current_decision_id = (:decision_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- bind: job_id = (:job_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- bind: key = ('bench-' || lpad(to_hex(:k::bigint), 12, '0') || :pool_prefix)
-- bind: created_at = :now
-- bind: last_error = NULL
-- bind: comment = ''
-- bind: on_deadline = NULL
-- bind: remind_before = '{}'
-- bind: stages = NULL
-- bind: escalation = NULL
-- bind: open_stage = NULL
-- bind: open_seats = NULL
-- bind: votes = NULL
-- 1. The decision.
\startpipeline
-- include: TransactionBegin
-- include: IdempotencyFind
\endpipeline
\startpipeline
-- include: ApprovalLock
-- include: ApprovalServiceRules
\endpipeline
\startpipeline
-- with: status = :decided_status
-- with: previous_status = :decided_previous_status
-- with: version = :decided_version
-- with: read_version = :decided_read_version
-- include: ApprovalUpdate
-- The jobs' lease parameters are the claim's -D values (the service sends a zero duration): with no lease owner they
-- are not used.
-- with: job_ids = ARRAY[(:job_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- with: requested_status = :requested_status::smallint
-- with: created_at = :due_at::timestamptz
-- with: lease_owner = NULL
-- with: trace_parent = NULL
-- include: DeliveryJobsInsert
-- with: ids = ARRAY[(:event_prefix || lpad(to_hex(:k::bigint * 4 + 1), 12, '0'))::uuid]
-- with: approval_ids = ARRAY[(:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- with: sequences = :decided_sequences
-- with: types = :decided_types
-- with: occurred_ats = :decided_occurred_ats
-- with: actors = :decided_actors
-- with: correlation_ids = :decided_correlation_ids
-- with: datas = :decided_datas
-- include: ApprovalEventsAppend
\endpipeline
-- with: location = ('/api/v1/approvals/' || :pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))
-- with: expired_before = (:now::timestamptz - interval '24 hours')
-- with: abandoned_before = (:now::timestamptz - interval '2 minutes')
-- include: IdempotencyStore
-- include: TransactionCommit
-- 2. The claim and the preparation.
\startpipeline
-- with: now = :due_at::timestamptz
-- with: only_approval = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- include: DeliveryJobsClaim
-- include: DeliveryJobsNextDue
\endpipeline
\startpipeline
-- with: created_by = NULL
-- include: ApprovalGet
-- include: ServiceRuleGet
\endpipeline
-- 3. The recording.
\startpipeline
-- include: TransactionBegin
-- include: ApprovalLock
-- with: last_error_code = NULL
-- with: next_attempt_at = NULL::timestamptz
-- include: DeliveryJobRecord
-- include: DeliveryJobStandings
-- with: started_at = :now
-- with: error = NULL
-- include: DeliveryAttemptInsert
\endpipeline
\startpipeline
-- with: status = :recorded_status
-- with: previous_status = :recorded_previous_status
-- with: version = :recorded_version
-- with: read_version = :recorded_read_version
-- include: ApprovalUpdate
-- with: ids = ARRAY[(:event_prefix || lpad(to_hex(:k::bigint * 4 + 2), 12, '0'))::uuid, (:event_prefix || lpad(to_hex(:k::bigint * 4 + 3), 12, '0'))::uuid]
-- with: approval_ids = ARRAY[(:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid, (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- with: sequences = :recorded_sequences
-- with: types = :recorded_types
-- with: occurred_ats = :recorded_occurred_ats
-- with: actors = :recorded_actors
-- with: correlation_ids = :recorded_correlation_ids
-- with: datas = :recorded_datas
-- include: ApprovalEventsAppend
\endpipeline
-- include: TransactionCommit
