-- A service rule as a delivery needs it. Mirrored by bench/pgbench/decide.sql.
SELECT s.id, s.name, s.url, s.api_key, s.enabled, s.signing_secret, s.previous_signing_secret, s.timeout_seconds,
       s.retry_schedule, s.allow_self_approval, s.created_at, s.updated_at
FROM service_rules AS s
WHERE s.id = :service_rule_id
