-- A new decision: the open jobs of the earlier one stop counting. Mirrored by bench/pgbench/decide.sql (which has no
-- earlier decision, so it never sends it).
UPDATE delivery_jobs SET state = {DeliveryState.Superseded}, completed_at = :completed_at
WHERE approval_id = :approval_id AND state IN ({DeliveryState.Pending}, {DeliveryState.Sending})
