-- Makes this session the active relay, if no other session is (a session-level advisory lock: released when the
-- session ends, so a relay that dies hands over to a standby at once).
SELECT pg_try_advisory_lock(:lock_key)
