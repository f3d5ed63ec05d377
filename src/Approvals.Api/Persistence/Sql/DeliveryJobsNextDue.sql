-- Sent after the claim in its batch: the earliest of two index walks that each stop at their first row
-- (ix_delivery_jobs_due for pending jobs, ix_delivery_jobs_leased for running leases), over delivery_jobs alone for
-- the reason the claim's walks are. (As one min() over a join it read the whole outbox and joined it to the
-- approvals: hundreds of milliseconds with a few ten thousand jobs, on every pass of a dispatcher that had a free
-- slot.) A job of a superseded decision can only wake the dispatcher once: its claim marks it superseded.
SELECT least(
    (SELECT d.next_attempt_at
     FROM delivery_jobs d
     WHERE d.state = {DeliveryState.Pending}
     ORDER BY d.next_attempt_at
     LIMIT 1),
    (SELECT d.lease_expires_at
     FROM delivery_jobs d
     WHERE d.state = {DeliveryState.Sending} AND d.id <> ALL(:running::uuid[])
     ORDER BY d.lease_expires_at
     LIMIT 1))
