-- The stored delegations of which any of the given users is the delegator or the delegate, by username, for the
-- delegation rules.
SELECT delegator_user.username, delegate_user.username, d.starts_at, d.ends_at
FROM delegations AS d
JOIN users AS delegator_user ON delegator_user.id = d.delegator_id
JOIN users AS delegate_user ON delegate_user.id = d.delegate_id
WHERE d.delegator_id = ANY (:people::uuid[]) OR d.delegate_id = ANY (:people::uuid[])
