-- Several HTTP calls of jobs in the attempt log (RabbitMQ workers log a batch at once). An attempt number already
-- logged (the same attempt made twice because its message was handed out twice) keeps its first row.
INSERT INTO delivery_attempts (job_id, number, started_at, duration_ms, http_status, error, response_excerpt)
SELECT * FROM unnest(:job_ids::uuid[], :attempts::int[], :started_ats::timestamptz[], :durations_ms::int[],
                     :http_statuses::int[], :errors::text[], :response_excerpts::text[])
ON CONFLICT (job_id, number) DO NOTHING
