INSERT INTO approval_service_rules (approval_id, service_rule_id, position)
SELECT :approval_id, r.id, r.ordinal - 1 FROM unnest(:service_rules::int[]) WITH ORDINALITY AS r(id, ordinal)
