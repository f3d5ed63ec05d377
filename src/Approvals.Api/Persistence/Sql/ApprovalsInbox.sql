-- An inbox (docs/policies.md): the approvals whose open stage has a seat (open_seats: user:…, group:…, role:…; set only
-- while the approval takes votes, so it says PENDING itself)
-- that one of :voters may still fill — the caller, and those who delegated to the caller, each with the seats they
-- hold — and that this voter has not voted in yet; never the caller's own (nobody votes on their own request through
-- a delegation either). By deadline, then id, after the keyset cursor; with the number of such approvals and of the
-- overdue ones (one row with only the counts when the page is empty). open_seats is GIN-indexed, so only approvals naming one of the seats are read.
-- The filters (:service_rule, :title_contains in any case, :overdue; each null: any) narrow the page and the
-- matching count, never the whole inbox's counts; they are tested only on the approvals already found.
-- Every waiting approval is looked at for the counts, so the test per approval is kept cheap: :voters is parsed once
-- (MATERIALIZED; inlined, it was parsed again for every approval), and an approval without votes (the common case)
-- needs only the array overlap, not the jsonb look-ups (10,000 waiting: 183 ms before, 17 ms after; docs/benchmarks.md).
WITH voters AS MATERIALIZED (
    SELECT v.username, v.actor, v.seats
    FROM jsonb_to_recordset(:voters::jsonb) AS v(username text, actor text, seats text[])
), waiting AS (
    SELECT a.id, a.deadline,
           (:service_rule::int IS NULL
               OR EXISTS (SELECT 1 FROM approval_service_rules AS r WHERE r.approval_id = a.id AND r.service_rule_id = :service_rule::int))
           AND (:title_contains::text IS NULL OR strpos(lower(a.title), lower(:title_contains::text)) > 0)
           AND (:overdue::boolean IS NULL OR (a.deadline < :now::timestamptz) = :overdue::boolean) AS matches
    FROM approvals AS a
    WHERE a.open_seats && :all_seats::text[]
      AND a.created_by <> :caller_actor::text
      AND EXISTS (
          SELECT 1
          FROM voters AS v
          WHERE a.created_by <> v.actor
            AND a.open_seats && v.seats
            AND (a.votes IS NULL OR (
                NOT a.votes @> jsonb_build_array(jsonb_build_object('stage', a.open_stage, 'voter', v.username))
                AND EXISTS (
                    SELECT 1
                    FROM unnest(a.open_seats) AS s(seat)
                    WHERE s.seat = ANY (v.seats)
                      AND NOT a.votes @> jsonb_build_array(jsonb_build_object('stage', a.open_stage, 'seat', s.seat))))))
), counts AS (
    SELECT count(*) AS awaiting,
           count(*) FILTER (WHERE w.deadline < :now::timestamptz) AS overdue,
           count(*) FILTER (WHERE w.matches) AS matching
    FROM waiting AS w
), page AS (
    SELECT w.id, w.deadline
    FROM waiting AS w
    WHERE w.matches
      AND (w.deadline, w.id) > (:after_deadline::timestamptz, :after_id::uuid)
    ORDER BY w.deadline, w.id
    LIMIT :limit
)
SELECT a.id, a.title, a.description, a.comment, a.status, a.previous_status, a.deadline, a.created_by,
       a.created_at, a.updated_at, a.version, a.current_decision_id,
       a.last_error ->> 'Code', a.last_error ->> 'Message', (a.last_error ->> 'ServiceRule')::int,
       (a.last_error ->> 'At')::timestamptz, a.on_deadline, a.remind_before, a.stages, a.open_stage, a.votes, a.escalation,
       ARRAY(SELECT r.service_rule_id FROM approval_service_rules AS r WHERE r.approval_id = a.id ORDER BY r.position),
       c.awaiting, c.overdue, c.matching
FROM counts AS c
LEFT JOIN (page AS p JOIN approvals AS a ON a.id = p.id) ON true
ORDER BY p.deadline, p.id
