-- Ends a unit of work's transaction in the round trip of its use case's last write (UnitOfWork.TryCommitWith).
-- Mirrored by bench/pgbench/vote.sql.
COMMIT
