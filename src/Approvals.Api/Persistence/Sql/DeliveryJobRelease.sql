-- The dispatcher is stopping mid-attempt: the job is due again now, and the claim's step of the retry schedule is
-- given back, since the attempt did not run its course.
UPDATE delivery_jobs AS d
SET state = {DeliveryState.Pending}, next_attempt_at = :now, lease_expires_at = NULL, schedule_step = d.schedule_step - 1
WHERE d.id = :job_id AND d.state = {DeliveryState.Sending} AND d.lease_owner = :owner AND d.attempts = :attempt
