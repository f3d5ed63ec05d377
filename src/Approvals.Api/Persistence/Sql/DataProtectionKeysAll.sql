-- Data Protection's key ring: every key, oldest first (the framework picks the default among them).
SELECT k.xml
FROM data_protection_keys AS k
ORDER BY k.id
