-- An attempt's outcome on its job, only while the attempt's claim still holds (the job is still sending, under this
-- dispatcher's lease, at this attempt). completed_at and reported_status change only when the job finishes;
-- next_attempt_at only when it is retried. Mirrored by bench/pgbench/decide.sql.
UPDATE delivery_jobs AS d
SET state = :state, lease_expires_at = NULL, last_error = :last_error, last_error_code = :last_error_code,
    next_attempt_at = coalesce(:next_attempt_at, d.next_attempt_at),
    completed_at = CASE WHEN :finished THEN :now ELSE d.completed_at END,
    reported_status = CASE WHEN :finished THEN :reported_status ELSE d.reported_status END
WHERE d.id = :job_id AND d.state = {DeliveryState.Sending} AND d.lease_owner = :owner AND d.attempts = :attempt
RETURNING d.id
