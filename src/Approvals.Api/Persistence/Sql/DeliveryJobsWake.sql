-- Wakes the dispatchers for jobs made due without an insert (the insert trigger notifies only for new jobs);
-- delivered when the transaction commits.
SELECT pg_notify(:channel, '')
