-- Appends a change's events (one or more) in its transaction. Mirrored by bench/pgbench/decide.sql and vote.sql.
INSERT INTO approval_events (id, approval_id, sequence, type, occurred_at, actor, correlation_id, data)
SELECT * FROM unnest(:ids::uuid[], :approval_ids::uuid[], :sequences::int[], :types::text[], :occurred_ats::timestamptz[],
                     :actors::text[], :correlation_ids::text[], :datas::jsonb[])
