-- An approval's stages (its approvers and policy), read without a lock: what a vote looks up before it locks the row.
-- Mirrored by bench/pgbench/vote.sql.
SELECT a.stages FROM approvals AS a WHERE a.id = :approval_id
