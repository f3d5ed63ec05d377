-- vote: every statement ApprovalService sends for POST /api/v1/approvals/{id}/votes {"vote":"approve"} by a named
-- approver whose vote leaves the approval PENDING (the first of three votes its policy needs; see
-- bench/results/statements-vote-service.sql after a run), in the round trips Npgsql makes: an Npgsql batch is one
-- \startpipeline block, and the transaction's BEGIN is the first statement of its first batch (UnitOfWork).
-- A template: the tool expands it into bench/results/pgbench-vote.sql before pgbench runs it (PgbenchScript.cs).
--   -- include: Name        the service's statement src/Approvals.Api/Persistence/Sql/Name.sql, as the service sends it
--   -- bind: param = expr   from here on, the included statements' parameter :param is expr
--   -- with: param = expr   the same for the next include only
-- Every other :name is a pgbench variable, given with -D (VoteCeiling.VariablesFor: the values the service wrote for
-- one of its votes, read back from the database) or \set here. Bindings build the ids from numbers (all \set can
-- compute), and give the NULLs and the empty comment (pgbench refuses an empty -D and cannot pass a NULL).
--   The vote is the request's unit of work, one transaction: the locking read of the approval and its rules with the
--   people who delegated to the voter, in one batch (ApprovalStore.LockForVoteAsync), then the change's batch, which
--   ends with the commit (ApprovalStore.SaveAsLastWriteAsync: the approval's new row, the vote's event, COMMIT; a
--   request without an Idempotency-Key writes nothing after it, UnitOfWork.LetLastWriteCommit).
-- Not here: the look-up of the person behind the token (PersonResolver), cached for Auth:UserCacheSeconds (30 s),
-- so 32 voters cost about one a second; and a vote by the approval's creator, who is never a voter here, would read
-- the service rules' allowSelfApproval (ServiceRulesAllowSelfApproval).
-- VoteCeiling.cs clones a pending pool approval per (client, seq) under :pool_prefix beforehand (the same template
-- approval as the service's sample vote) and checks afterwards that every transaction voted on one and appended its
-- event.
\set seq :seq + 1
\set k :client_id * 1048576 + :seq
-- bind: approval_id = (:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid
-- bind: comment = ''
-- bind: on_deadline = NULL
-- bind: previous_status = NULL
-- bind: current_decision_id = NULL
-- bind: last_error = NULL
-- bind: escalation = NULL
-- 1. The lock, with who the voter is (the people who delegated to them).
\startpipeline
-- include: TransactionBegin
-- include: ApprovalLock
-- include: ApprovalServiceRules
-- include: DelegatorsActive
\endpipeline
\startpipeline
-- include: ApprovalUpdate
-- with: ids = ARRAY[(:event_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- with: approval_ids = ARRAY[(:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- include: ApprovalEventsAppend
-- include: TransactionCommit
\endpipeline
