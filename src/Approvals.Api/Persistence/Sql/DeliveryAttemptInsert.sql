-- One HTTP call of a job, in the attempt log. Mirrored by bench/pgbench/decide.sql.
INSERT INTO delivery_attempts (job_id, number, started_at, duration_ms, http_status, error, response_excerpt)
VALUES (:job_id, :attempt, :started_at, :duration_ms, :http_status, :error, :response_excerpt)
