-- The delivery health of the service rules (the one :service_rule_id names, or every rule when it is NULL) from the
-- attempt log, over the window from :since to :until, cut into :hours hours (hour 0 the oldest): for each rule one row
-- with the window's figures (hour NULL), then one row per hour that had attempts. A rule without attempts in the window
-- gets a single row whose figures are NULL. An attempt succeeded when its log row has no error (every failure, an
-- attempt aborted by a shutdown included, records one); p95 is the continuous 95th percentile of the attempts'
-- durations. The window is found through the BRIN index on delivery_attempts.started_at.
WITH attempts AS (
    SELECT j.service_rule_id,
           least(:hours - 1, floor(extract(epoch FROM a.started_at - :since::timestamptz) / 3600))::int AS hour,
           a.duration_ms,
           a.error IS NULL AS succeeded
    FROM delivery_attempts AS a
    JOIN delivery_jobs AS j ON j.id = a.job_id
    WHERE a.started_at >= :since::timestamptz AND a.started_at <= :until::timestamptz
      AND (:service_rule_id::int IS NULL OR j.service_rule_id = :service_rule_id::int)
), figures AS (
    SELECT t.service_rule_id,
           CASE WHEN grouping(t.hour) = 0 THEN t.hour END AS hour,
           count(*) AS attempts,
           count(*) FILTER (WHERE NOT t.succeeded) AS failed,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY t.duration_ms) AS p95_ms
    FROM attempts AS t
    GROUP BY GROUPING SETS ((t.service_rule_id), (t.service_rule_id, t.hour))
)
SELECT s.id, s.name, s.url, s.enabled, f.hour, f.attempts, f.failed, f.p95_ms
FROM service_rules AS s
LEFT JOIN figures AS f ON f.service_rule_id = s.id
WHERE :service_rule_id::int IS NULL OR s.id = :service_rule_id::int
ORDER BY s.id, f.hour NULLS FIRST
