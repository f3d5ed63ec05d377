-- The response a request with an Idempotency-Key produced, stored with its change at the end of its unit of work and
-- replayed to its retries. A concurrent request with the same key that stored first wins: this insert waits for it
-- to end and then writes nothing. Mirrored by bench/pgbench/decide.sql.
INSERT INTO idempotency_keys (caller, key, request_hash, created_at, status_code, response_body, location, e_tag)
VALUES (:caller, :key, :request_hash, :created_at, :status_code, :response_body, :location, :e_tag)
ON CONFLICT DO NOTHING
