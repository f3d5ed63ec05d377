-- The response a claimed request produced, replayed to its retries. Mirrored by bench/pgbench/decide.sql.
UPDATE idempotency_keys SET status_code = :status_code, response_body = :response_body, location = :location, e_tag = :e_tag
WHERE caller = :caller AND key = :key
