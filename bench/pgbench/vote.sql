-- vote: every statement ApprovalService sends for POST /api/v1/approvals/{id}/votes {"vote":"approve"} by a named
-- approver whose vote leaves the approval PENDING (the first of three votes its policy needs; see
-- bench/results/statements-vote-service.sql after a run), in the round trips Npgsql makes: an Npgsql batch is one
-- \startpipeline block, and the transaction's BEGIN goes out with the statement after it.
-- A template: the tool expands it into bench/results/pgbench-vote.sql before pgbench runs it (PgbenchScript.cs).
--   -- include: Name        the service's statement src/Approvals.Api/Persistence/Sql/Name.sql, as the service sends it
--   -- bind: param = expr   from here on, the included statements' parameter :param is expr
--   -- with: param = expr   the same for the next include only
-- Every other :name is a pgbench variable, given with -D (VoteCeiling.VariablesFor: the values the service wrote for
-- one of its votes, read back from the database) or \set here. Bindings build the ids from numbers (all \set can
-- compute), and give the NULLs and the empty comment (pgbench refuses an empty -D and cannot pass a NULL).
--   1. Who votes, before the row lock (ApprovalWorkflow.VoterAsync): the people who delegated to the voter (EF Core's
--      query in PeopleStore.ActiveDelegatorsAsync, written out below), then the approval's stages (ApprovalStagesGet).
--   2. The vote (the request's unit of work, one transaction): the locking read of the approval and its rules
--      (ApprovalStore.LockAsync), then the change's batch (ApprovalStore.SaveAsync: the approval's new row, the vote's
--      event), then the commit.
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
-- 1. Who votes. EF Core's query, copied from bench/results/statements-vote-service.sql (EF Core writes it; there is no
-- .sql file to include): the enabled people whose delegation to the voter is active now.
SELECT u.id, u.username, u.subject, u.password_hash IS NOT NULL, u.roles, u.provider_groups, u.disabled, u.password_change_required, u.created_at, s.name, s.group_id, s.user_id, s.id
FROM users AS u
LEFT JOIN (
    SELECT g0.name, g.group_id, g.user_id, g0.id
    FROM group_members AS g
    INNER JOIN groups AS g0 ON g.group_id = g0.id
) AS s ON u.id = s.user_id
WHERE u.id IN (
    SELECT d.delegator_id
    FROM delegations AS d
    INNER JOIN users AS u0 ON d.delegate_id = u0.id
    WHERE u0.subject = :delegate_subject AND d.starts_at <= :now AND d.ends_at > :now
) AND NOT (u.disabled)
ORDER BY u.username, u.id, s.name, s.group_id, s.user_id;
-- include: ApprovalStagesGet
-- 2. The vote.
\startpipeline
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED;
-- include: ApprovalLock
-- include: ApprovalServiceRules
\endpipeline
\startpipeline
-- include: ApprovalUpdate
-- with: ids = ARRAY[(:event_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- with: approval_ids = ARRAY[(:pool_prefix || lpad(to_hex(:k::bigint), 12, '0'))::uuid]
-- include: ApprovalEventsAppend
\endpipeline
COMMIT;
