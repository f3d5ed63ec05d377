-- Deletes a batch of expired keys, oldest first along ix_idempotency_keys_created_at (an abandoned claim younger than
-- that is replaced when its key is used again); rows another sweeper holds are skipped, so API processes sweeping at
-- once do not wait for each other.
DELETE FROM idempotency_keys AS k
USING (
    SELECT o.caller, o.key
    FROM idempotency_keys AS o
    WHERE o.created_at <= :expired_before
    ORDER BY o.created_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
) AS old
WHERE k.caller = old.caller AND k.key = old.key
