-- A new approval, its service rules, its timers (approval_timers: its deadline, its reminders) and its created event in
-- one statement, written only when every service rule it names exists and is enabled; returns its updated_at (NULL
-- when nothing was written) and the usable rules. Mirrored by bench/pgbench/create.sql.
WITH usable AS (
    SELECT s.id FROM service_rules AS s WHERE s.id = ANY (:service_rules::int[]) AND s.enabled
), approval AS (
    INSERT INTO approvals (id, title, description, comment, status, deadline, on_deadline, remind_before, created_by,
                           created_at, version, stages, open_stage, open_seats, escalation)
    SELECT :approval_id::uuid, :title::text, :description::text, :comment::text, :status::smallint, :deadline::timestamptz,
           :on_deadline::smallint, :remind_before::text[], :actor::text, :occurred_at::timestamptz, :version::int,
           :stages::jsonb, :open_stage::smallint, :open_seats::text[], :escalation::jsonb
    WHERE NOT EXISTS (SELECT 1 FROM unnest(:service_rules::int[]) AS r(id) WHERE r.id NOT IN (SELECT u.id FROM usable AS u))
    RETURNING id, updated_at
), rules AS (
    INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
    SELECT a.id, r.id, r.ordinal - 1 FROM approval AS a, unnest(:service_rules::int[]) WITH ORDINALITY AS r(id, ordinal)
), timers AS (
    INSERT INTO approval_timers (id, approval_id, kind, due_at, deadline, before_deadline, created_at)
    SELECT t.id, a.id, t.kind, t.due_at, t.deadline, t.before_deadline, :occurred_at::timestamptz
    FROM approval AS a,
         unnest(:timer_ids::uuid[], :timer_kinds::smallint[], :timer_due_ats::timestamptz[], :timer_deadlines::timestamptz[],
                :timer_offsets::interval[]) AS t(id, kind, due_at, deadline, before_deadline)
), event AS (
    INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
    SELECT :event_id::uuid, a.id, :version::int, :event_type::text, :occurred_at::timestamptz, :actor::text,
           :correlation_id::text, :data::jsonb
    FROM approval AS a
)
SELECT (SELECT a.updated_at FROM approval AS a), ARRAY(SELECT u.id FROM usable AS u)
