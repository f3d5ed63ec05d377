-- The enabled members of the groups :groups, by group then username: local members, and the people whose identity
-- provider's group claim put them in the group as last seen. What a stage that counts each member needs.
SELECT g.name, u.username
FROM users AS u
JOIN group_members AS m ON m.user_id = u.id
JOIN groups AS g ON g.id = m.group_id
WHERE g.name = ANY (:groups::text[]) AND NOT u.disabled
UNION
SELECT p.name, u.username
FROM users AS u
CROSS JOIN LATERAL unnest(u.provider_groups) AS p(name)
WHERE p.name = ANY (:groups::text[]) AND NOT u.disabled
ORDER BY 1, 2
