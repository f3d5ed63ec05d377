-- The enabled people whose delegation to the person with :delegate_subject is active at :now, by username, with what
-- a vote needs of them: their subject and username, their roles, and their groups (the identity provider's as last
-- seen, then their local ones). Every vote by a person asks, with the lock of the approval; mirrored by
-- bench/pgbench/vote.sql.
SELECT u.subject, u.username, u.roles, u.provider_groups,
       ARRAY(SELECT g.name FROM group_members AS m JOIN groups AS g ON g.id = m.group_id WHERE m.user_id = u.id ORDER BY g.name)
FROM delegations AS d
JOIN users AS delegate_user ON delegate_user.id = d.delegate_id
JOIN users AS u ON u.id = d.delegator_id
WHERE delegate_user.subject = :delegate_subject AND d.starts_at <= :now AND d.ends_at > :now AND NOT u.disabled
ORDER BY u.username
