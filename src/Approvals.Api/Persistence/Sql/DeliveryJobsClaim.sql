-- Claims due jobs for a dispatcher. Due: pending and scheduled for now, or sending under a lease that has run out
-- (its owner is presumed dead, or its attempt crashed; this process's own running attempts are excluded by id, not by
-- owner, so a crashed attempt of a single dispatcher is still retried).
-- Each kind has its own walk over delivery_jobs alone, on the partial index that holds exactly that kind
-- (ix_delivery_jobs_due: pending, by due time; ix_delivery_jobs_leased: sending, by lease expiry), so each stops at
-- its first row that is not due; the states are written as their values (not parameters) so that the planner can
-- prove the partial indexes' predicates in a generic plan too. Expired leases go first: they are old, rare, and were
-- due before anything still pending. The queue's statistics are usually stale, because it swings from empty to a
-- backlog within seconds; with the check of the approval's current decision inside the walk, the planner took a
-- backlog of a few thousand jobs for two rows, joined all of them to approvals and sorted them, 20 to 650 ms per
-- claim (docs/benchmarks.md).
-- Only jobs of the approval's current decision are sent. A new decision supersedes the open jobs of the old one in
-- its own transaction, so a claimed job of another decision means that rule was broken (by hand, say); such a job is
-- marked superseded here, as the decision should have done, instead of being sent or left at the head of the queue.
-- SKIP LOCKED lets concurrent dispatchers take disjoint jobs without waiting on each other; claiming counts the
-- attempt up front, so a job whose dispatcher keeps dying still runs out of attempts.
-- :only_approval is NULL for the service; the ceiling benchmark (bench/pgbench/decide.sql) sets it, since a pgbench
-- client must claim its own job and no other client's.
WITH expired AS (
    SELECT d.id
    FROM delivery_jobs d
    WHERE d.state = {DeliveryState.Sending} AND d.lease_expires_at <= :now AND d.id <> ALL(:running::uuid[])
      AND (:only_approval::uuid IS NULL OR d.approval_id = :only_approval::uuid)
    ORDER BY d.lease_expires_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED),
pending AS (
    SELECT d.id
    FROM delivery_jobs d
    WHERE d.state = {DeliveryState.Pending} AND d.next_attempt_at <= :now
      AND (:only_approval::uuid IS NULL OR d.approval_id = :only_approval::uuid)
    ORDER BY d.next_attempt_at
    LIMIT :limit
    FOR UPDATE OF d SKIP LOCKED),
due AS (
    (SELECT e.id FROM expired e UNION ALL SELECT p.id FROM pending p)
    LIMIT :limit),
stale AS (
    UPDATE delivery_jobs s
    SET state = {DeliveryState.Superseded}, completed_at = :now, lease_expires_at = NULL
    FROM due
    WHERE s.id = due.id
      AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id = s.approval_id AND a.current_decision_id = s.decision_id))
UPDATE delivery_jobs j
SET state = {DeliveryState.Sending},
    lease_owner = :owner,
    lease_expires_at = delivery_lease_expiry(:now, :lease_duration, r.timeout_seconds, :lease_margin),
    attempts = j.attempts + 1,
    schedule_step = j.schedule_step + 1
FROM due, service_rules r, approvals a
WHERE j.id = due.id AND r.id = j.service_rule_id AND a.id = j.approval_id AND a.current_decision_id = j.decision_id
RETURNING j.id, j.approval_id, j.decision_id, j.service_rule_id, j.requested_status, j.attempts, j.schedule_step, j.lease_expires_at,
          j.trace_parent
