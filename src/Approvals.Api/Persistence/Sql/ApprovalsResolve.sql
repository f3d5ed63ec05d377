-- Several approvals' new state after their jobs' outcomes (what recording an outcome can change: the status, the
-- previous status, the version and the last error). The version each was read at is its concurrency token; the rows
-- are locked, so a mismatch means a bug, not a race.
UPDATE approvals AS a
SET status = u.status, previous_status = u.previous_status, version = u.version, last_error = u.last_error
FROM unnest(:approval_ids::uuid[], :statuses::smallint[], :previous_statuses::smallint[], :versions::int[],
            :last_errors::jsonb[], :read_versions::int[])
     AS u(id, status, previous_status, version, last_error, read_version)
WHERE a.id = u.id AND a.version = u.read_version
RETURNING a.id, a.updated_at
