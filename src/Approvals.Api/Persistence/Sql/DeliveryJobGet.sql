-- One job of an approval, for a redelivery, and whether its service rule is enabled now.
SELECT d.id, d.decision_id, d.service_rule_id, d.state, d.requested_status, s.enabled
FROM delivery_jobs AS d
JOIN service_rules AS s ON s.id = d.service_rule_id
WHERE d.id = :job_id AND d.approval_id = :approval_id
