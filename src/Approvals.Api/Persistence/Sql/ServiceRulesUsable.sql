-- Which of the given service rules exist and are enabled.
SELECT s.id FROM service_rules AS s WHERE s.id = ANY (:service_rules::int[]) AND s.enabled
