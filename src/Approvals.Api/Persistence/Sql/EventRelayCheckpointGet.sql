-- How far the relay has published (nothing yet: no row, and the relay starts at the beginning of the stream).
SELECT c.transaction_id, c.position
FROM event_relay_checkpoints AS c
WHERE c.name = :name
