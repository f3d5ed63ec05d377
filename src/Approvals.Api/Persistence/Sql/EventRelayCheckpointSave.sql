-- Advances the relay's checkpoint to the last event the broker confirmed.
INSERT INTO event_relay_checkpoints (name, transaction_id, position, updated_at)
VALUES (:name, :transaction_id::xid8, :position, :updated_at)
ON CONFLICT (name) DO UPDATE
SET transaction_id = excluded.transaction_id, position = excluded.position, updated_at = excluded.updated_at
