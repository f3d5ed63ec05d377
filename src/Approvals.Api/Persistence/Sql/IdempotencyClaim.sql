-- The first request with a key claims it; a concurrent one waits here on the claim's row lock.
INSERT INTO idempotency_keys (caller, key, request_hash, created_at)
VALUES (:caller, :key, :request_hash, :created_at)
ON CONFLICT DO NOTHING
