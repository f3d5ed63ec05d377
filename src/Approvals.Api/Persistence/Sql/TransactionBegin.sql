-- Begins a unit of work's transaction, as the first statement of its first batch (UnitOfWork.CreateBatchAsync).
-- Mirrored by bench/pgbench/vote.sql.
BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED
