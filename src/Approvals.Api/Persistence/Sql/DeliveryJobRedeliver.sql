-- A failed job sent again on request: due now, at the start of a new round of its retry schedule (its attempts keep
-- counting, so attempt numbers stay unique). Its attempts from now on continue the trace of the redelivery request.
UPDATE delivery_jobs
SET state = {DeliveryState.Pending}, next_attempt_at = :now, schedule_step = 0, lease_expires_at = NULL, completed_at = NULL,
    trace_parent = :trace_parent
WHERE id = :job_id
