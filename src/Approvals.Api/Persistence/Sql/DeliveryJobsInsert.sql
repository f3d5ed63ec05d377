-- A decision's jobs, one per service rule. The first step of a rule's retry schedule is the delay before the first
-- attempt (usually 0: send at once; NULL past the end of an empty schedule). A job due at once is written already
-- claimed when the decision hands it to this process's dispatcher (:lease_owner is set): sending, its first attempt
-- counted and leased as the claim (DeliveryJobsClaim.sql) would have done; the insert trigger then sends no
-- notification for it. :trace_parent is the deciding request's W3C trace context (NULL when not traced), which the
-- jobs' attempts continue. Mirrored by bench/pgbench/decide.sql.
INSERT INTO delivery_jobs (id, approval_id, decision_id, service_rule_id, requested_status, state, attempts,
                           schedule_step, next_attempt_at, created_at, lease_owner, lease_expires_at, trace_parent)
SELECT j.id, :approval_id, :decision_id, j.rule, :requested_status,
       CASE WHEN h.handed_off THEN {DeliveryState.Sending} ELSE {DeliveryState.Pending} END,
       CASE WHEN h.handed_off THEN 1 ELSE 0 END,
       CASE WHEN h.handed_off THEN 1 ELSE 0 END,
       :created_at + f.delay, :created_at,
       CASE WHEN h.handed_off THEN :lease_owner END,
       CASE WHEN h.handed_off THEN delivery_lease_expiry(:created_at, :lease_duration, s.timeout_seconds, :lease_margin) END,
       :trace_parent
FROM unnest(:job_ids::uuid[], :service_rules::int[]) AS j(id, rule)
JOIN service_rules AS s ON s.id = j.rule
CROSS JOIN LATERAL (SELECT make_interval(secs => coalesce(s.retry_schedule[1], 0)) AS delay) AS f
CROSS JOIN LATERAL (SELECT :lease_owner::text IS NOT NULL AND f.delay = interval '0' AS handed_off) AS h
RETURNING id, next_attempt_at, state, lease_expires_at
