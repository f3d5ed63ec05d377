-- Sets a person's delegation: a person has at most one, and a new one replaces it.
INSERT INTO delegations (delegator_id, delegate_id, starts_at, ends_at, created_at)
VALUES (:delegator_id, :delegate_id, :starts_at, :ends_at, :created_at)
ON CONFLICT (delegator_id) DO UPDATE
SET delegate_id = excluded.delegate_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at, created_at = excluded.created_at
