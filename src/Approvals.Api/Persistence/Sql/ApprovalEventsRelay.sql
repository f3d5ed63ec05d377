-- The relay's next events (RabbitMQ transport; docs/events.md): committed events after its checkpoint, in feed order
-- (transaction_id, position), each with whether it is settled: its transaction id is below the xmin of this
-- statement's snapshot, so no event can ever commit before it (the feed's rule; ApprovalEventStore.Feed.cs). The
-- relay stops at the first one that is not. A decision's or a redelivery's event (:job_event_types) comes with the
-- jobs it queued that are still pending, which the relay puts on the delivery queue: their ids, the attempts already
-- made, and when the next one is due.
SELECT e.transaction_id, e.position, e.transaction_id < h.xmin, e.id, e.approval_id, e.sequence, e.type,
       e.occurred_at, e.actor, e.correlation_id, e.data, j.ids, j.attempts, j.due
FROM approval_events AS e
CROSS JOIN (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) AS h
LEFT JOIN LATERAL (
    SELECT array_agg(d.id ORDER BY d.id) AS ids, array_agg(d.attempts ORDER BY d.id) AS attempts,
           array_agg(d.next_attempt_at ORDER BY d.id) AS due
    FROM delivery_jobs AS d
    WHERE e.type = ANY (:job_event_types::text[])
      AND d.approval_id = e.approval_id
      AND d.decision_id = (e.data ->> 'decisionId')::uuid
      AND (e.data ->> 'jobId' IS NULL OR d.id = (e.data ->> 'jobId')::uuid)
      AND d.state = {DeliveryState.Pending}) AS j ON true
WHERE (e.transaction_id, e.position) > (:after_transaction_id::xid8, :after_position::bigint)
ORDER BY e.transaction_id, e.position
LIMIT :limit
