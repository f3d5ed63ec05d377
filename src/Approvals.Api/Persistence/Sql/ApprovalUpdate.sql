-- The approval's new state. The version it was read at is the concurrency token: the row is locked, so a mismatch
-- means a bug, not a race. Mirrored by bench/pgbench/decide.sql and vote.sql.
UPDATE approvals
SET title = :title, description = :description, comment = :comment, deadline = :deadline, on_deadline = :on_deadline,
    remind_before = :remind_before, status = :status,
    previous_status = :previous_status, version = :version, current_decision_id = :current_decision_id,
    last_error = :last_error, stages = :stages, open_stage = :open_stage, open_seats = :open_seats, votes = :votes,
    escalation = :escalation
WHERE id = :approval_id AND version = :read_version
RETURNING updated_at
