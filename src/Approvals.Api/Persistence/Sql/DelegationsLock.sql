-- Serialises the writes of delegations for the rest of the transaction, so two people cannot each pass the chain rule
-- against the other's delegation before either is stored (a transaction-level advisory lock: released at its end).
SELECT pg_advisory_xact_lock(:lock_key)
