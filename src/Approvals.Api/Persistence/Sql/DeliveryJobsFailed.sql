-- The approvals in ERROR, most recently changed first, after the keyset cursor (:after_updated_at, :after_id; NULLs
-- for the first page), :limit of them, each with the failed jobs of its current decision: the ones a redelivery can
-- send again. An approval in ERROR because its services disagreed has no failed job: its one row has NULL job columns.
-- The index on approvals (status, deadline, id) finds the approvals in ERROR.
WITH page AS (
    SELECT a.id, a.title, a.updated_at, a.current_decision_id, a.last_error ->> 'Code' AS error_code, a.last_error ->> 'Message' AS error_message
    FROM approvals AS a
    WHERE a.status = {ApprovalStatus.Error}
      AND (:after_id::uuid IS NULL OR (a.updated_at, a.id) < (:after_updated_at::timestamptz, :after_id::uuid))
    ORDER BY a.updated_at DESC, a.id DESC
    LIMIT :limit
)
SELECT p.id, p.title, p.updated_at, p.error_code, p.error_message,
       d.id, d.service_rule_id, s.name, d.attempts, d.last_error, d.completed_at
FROM page AS p
LEFT JOIN delivery_jobs AS d ON d.approval_id = p.id AND d.decision_id = p.current_decision_id AND d.state = {DeliveryState.Failed}
LEFT JOIN service_rules AS s ON s.id = d.service_rule_id
ORDER BY p.updated_at DESC, p.id DESC, d.completed_at, d.id
