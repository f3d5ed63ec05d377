SELECT k.request_hash, k.status_code, k.response_body, k.location, k.e_tag
FROM idempotency_keys AS k
WHERE k.caller = :caller AND k.key = :key
