-- Where every job of a decision stands, for its resolution. Mirrored by bench/pgbench/decide.sql.
SELECT d.id, d.service_rule_id, s.name, d.state, d.reported_status, d.last_error_code, d.last_error
FROM delivery_jobs AS d
JOIN service_rules AS s ON s.id = d.service_rule_id
WHERE d.approval_id = :approval_id AND d.decision_id = :decision_id
