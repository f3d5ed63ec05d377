-- A key Data Protection made (every 90 days, or at first use).
INSERT INTO data_protection_keys (friendly_name, xml)
VALUES (:friendly_name, :xml)
