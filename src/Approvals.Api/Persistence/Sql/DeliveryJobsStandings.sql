-- Where every job of several decisions stands (DeliveryJobStandings' columns, with the approval), for their
-- resolution after a batch of outcomes.
SELECT d.approval_id, d.id, d.service_rule_id, s.name, d.state, d.reported_status, d.last_error_code, d.last_error
FROM delivery_jobs AS d
JOIN service_rules AS s ON s.id = d.service_rule_id
WHERE (d.approval_id, d.decision_id) IN (SELECT * FROM unnest(:approval_ids::uuid[], :decision_ids::uuid[]))
