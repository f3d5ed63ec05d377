-- An inbox (docs/policies.md): the approvals whose open stage has a seat (open_seats: user:…, group:…, role:…; set only
-- while the approval takes votes, so it says PENDING itself)
-- that one of :voters may still fill — the caller, and those who delegated to the caller, each with the seats they
-- hold — and that this voter has not voted in yet; never the caller's own (nobody votes on their own request through
-- a delegation either). By deadline, then id, after the keyset cursor. The filters (:service_rule, :title_contains in
-- any case, :overdue; each null: any) narrow the page and the matching count, never the whole inbox's counts.
--
-- Two ways to find the candidates, chosen by :window:
-- * null, the whole inbox: every approval naming one of the caller's seats (open_seats is GIN-indexed), with the
--   counts (awaiting, overdue, matching) and the earliest deadline still ahead (when the overdue count next changes);
-- * a number, a walk: only the next :window approvals that take votes after the cursor, in deadline order (the
--   partial index ix_approvals_voting_deadline_id), without counts. When most of what is open waits for the caller,
--   a page is found in the first few rows instead of among all of them (10,000 waiting: 0.2 ms against 8 ms). The
--   page is exact if it is full (anything beyond the window comes later in the order) or if the window was not
--   (`walked` < :window: nothing beyond it); otherwise the caller asks again without a window.
-- Every candidate is tested, so the test is kept cheap: :voters is parsed once (MATERIALIZED; inlined, it was parsed
-- again for every approval), and an approval without votes (the common case) needs only the array overlap, not the
-- jsonb look-ups (10,000 waiting: 183 ms before, 17 ms after; docs/benchmarks.md).
WITH voters AS MATERIALIZED (
    SELECT v.username, v.actor, v.seats
    FROM jsonb_to_recordset(:voters::jsonb) AS v(username text, actor text, seats text[])
), walked AS MATERIALIZED (
    SELECT a.id, a.deadline, a.title, a.created_by, a.open_seats, a.open_stage, a.votes
    FROM approvals AS a
    WHERE :window::int IS NOT NULL
      AND a.open_seats IS NOT NULL
      AND (a.deadline, a.id) > (:after_deadline::timestamptz, :after_id::uuid)
    ORDER BY a.deadline, a.id
    LIMIT :window::int
), candidates AS (
    SELECT w.id, w.deadline, w.title, w.created_by, w.open_seats, w.open_stage, w.votes
    FROM walked AS w
    WHERE w.open_seats && :all_seats::text[]
    UNION ALL
    SELECT a.id, a.deadline, a.title, a.created_by, a.open_seats, a.open_stage, a.votes
    FROM approvals AS a
    WHERE :window::int IS NULL
      AND a.open_seats && :all_seats::text[]
), waiting AS (
    SELECT c.id, c.deadline,
           (:service_rule::int IS NULL
               OR EXISTS (SELECT 1 FROM approval_service_rules AS r WHERE r.approval_id = c.id AND r.service_rule_id = :service_rule::int))
           AND (:title_contains::text IS NULL OR strpos(lower(c.title), lower(:title_contains::text)) > 0)
           AND (:overdue::boolean IS NULL OR (c.deadline < :now::timestamptz) = :overdue::boolean) AS matches
    FROM candidates AS c
    WHERE c.created_by <> :caller_actor::text
      AND EXISTS (
          SELECT 1
          FROM voters AS v
          WHERE c.created_by <> v.actor
            AND c.open_seats && v.seats
            AND (c.votes IS NULL OR (
                NOT c.votes @> jsonb_build_array(jsonb_build_object('stage', c.open_stage, 'voter', v.username))
                AND EXISTS (
                    SELECT 1
                    FROM unnest(c.open_seats) AS s(seat)
                    WHERE s.seat = ANY (v.seats)
                      AND NOT c.votes @> jsonb_build_array(jsonb_build_object('stage', c.open_stage, 'seat', s.seat))))))
), counts AS (
    SELECT count(*) AS awaiting,
           count(*) FILTER (WHERE w.deadline < :now::timestamptz) AS overdue,
           count(*) FILTER (WHERE w.matches) AS matching,
           min(w.deadline) FILTER (WHERE w.deadline >= :now::timestamptz) AS next_overdue,
           (SELECT count(*) FROM walked) AS walked
    FROM waiting AS w
    WHERE :window::int IS NULL
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
       c.awaiting, c.overdue, c.matching, c.next_overdue, c.walked
FROM counts AS c
LEFT JOIN (page AS p JOIN approvals AS a ON a.id = p.id) ON true
ORDER BY p.deadline, p.id
