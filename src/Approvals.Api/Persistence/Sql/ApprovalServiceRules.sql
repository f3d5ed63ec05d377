SELECT r.service_rule_id, r.position
FROM approval_service_rules AS r
WHERE r.approval_id = :approval_id
ORDER BY r.position
