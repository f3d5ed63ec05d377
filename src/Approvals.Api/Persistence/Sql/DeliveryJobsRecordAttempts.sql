-- The outcomes of attempts that RabbitMQ workers made (one row each), each recorded only when it is its job's next
-- attempt and the job is still pending: a message the broker hands out again (its worker died after the commit, or
-- a duplicate) can never record one attempt twice, and a job a new decision superseded is left as it is. Sets the
-- attempt count and the schedule step (the broker transport never claims, so they move here), and, as
-- DeliveryJobRecord.sql does, completed_at and reported_status only when the job finishes, next_attempt_at only when
-- it is retried.
UPDATE delivery_jobs AS d
SET state = u.state, attempts = u.attempt, schedule_step = u.schedule_step,
    last_error = u.last_error, last_error_code = u.last_error_code,
    next_attempt_at = coalesce(u.next_attempt_at, d.next_attempt_at),
    completed_at = CASE WHEN u.finished THEN :now::timestamptz ELSE d.completed_at END,
    reported_status = CASE WHEN u.finished THEN u.reported_status ELSE d.reported_status END
FROM unnest(:job_ids::uuid[], :attempts::int[], :schedule_steps::int[], :states::smallint[], :last_errors::text[],
            :last_error_codes::text[], :next_attempt_ats::timestamptz[], :finished::boolean[], :reported_statuses::smallint[])
     AS u(job_id, attempt, schedule_step, state, last_error, last_error_code, next_attempt_at, finished, reported_status)
WHERE d.id = u.job_id AND d.state = {DeliveryState.Pending} AND d.attempts = u.attempt - 1
RETURNING d.id
