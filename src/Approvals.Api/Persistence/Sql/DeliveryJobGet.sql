-- One job of an approval, for a redelivery.
SELECT d.id, d.decision_id, d.service_rule_id, d.state, d.requested_status
FROM delivery_jobs AS d
WHERE d.id = :job_id AND d.approval_id = :approval_id
