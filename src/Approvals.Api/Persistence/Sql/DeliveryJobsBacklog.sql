-- The outbox's backlog for the metrics (docs/observability.md): how many jobs are open (pending or being sent) and
-- when the oldest of them was queued. Each state is counted on its own partial index (ix_delivery_jobs_due,
-- ix_delivery_jobs_leased), which holds exactly the open jobs of that state; the metrics read it at most once per
-- Telemetry:OutboxRefreshInterval, however often they are scraped.
SELECT count(*)::bigint, min(d.created_at)
FROM delivery_jobs AS d
WHERE d.state = {DeliveryState.Pending} OR d.state = {DeliveryState.Sending}
