-- The response stored for a key, if any (the filter ignores an expired one, or an abandoned claim). A plain read: it
-- gives the unit of work no transaction id, so a change gets its id when it locks its approval (the event feed's
-- order within one approval follows that lock).
SELECT k.request_hash, k.status_code, k.response_body, k.location, k.e_tag, k.created_at
FROM idempotency_keys AS k
WHERE k.caller = :caller AND k.key = :key
