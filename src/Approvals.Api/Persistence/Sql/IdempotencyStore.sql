-- The response a request with an Idempotency-Key produced, stored with its change at the end of its unit of work and
-- replayed to its retries. A concurrent request with the same key that stored first wins: this statement waits for
-- it to end and then writes nothing. A row that no longer holds its key (expired, or a claim abandoned without a
-- response) is replaced. Mirrored by bench/pgbench/decide.sql.
INSERT INTO idempotency_keys AS k (caller, key, request_hash, created_at, status_code, response_body, location, e_tag)
VALUES (:caller, :key, :request_hash, :created_at, :status_code, :response_body, :location, :e_tag)
ON CONFLICT (caller, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at, status_code = EXCLUDED.status_code,
    response_body = EXCLUDED.response_body, location = EXCLUDED.location, e_tag = EXCLUDED.e_tag
WHERE k.created_at <= :expired_before OR (k.status_code IS NULL AND k.created_at <= :abandoned_before)
