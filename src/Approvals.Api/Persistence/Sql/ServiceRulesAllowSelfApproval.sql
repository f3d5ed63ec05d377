-- Whether every one of the given service rules allows its approval's creator to decide it (false for none).
SELECT count(*) > 0 AND bool_and(s.allow_self_approval)
FROM service_rules AS s
WHERE s.id = ANY (:service_rules::int[])
