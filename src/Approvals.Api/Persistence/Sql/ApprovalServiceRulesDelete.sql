DELETE FROM approval_service_rules WHERE approval_id = :approval_id
