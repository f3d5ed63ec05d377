-- A timer loop's claim, the first statement of its transaction: locks up to :limit approvals that have due timers
-- (those of the :scan earliest due timers), in id order, skipping the ones another transaction holds: another loop's
-- (so loops split the due timers without waiting on each other) or a change's (looked at again on the next pass).
-- Every timer is deleted only under its approval's lock (ApprovalTimersFire.sql), so once this holds the lock no one
-- else fires its timers. Locking the approval is the transaction's first write, as for every change, so its
-- transaction id orders its events after those of the changes before it (docs/events.md). :exclude names approvals
-- whose timers recently failed to fire, so that one that keeps failing cannot hold the others back.
SELECT a.id
FROM approvals AS a
WHERE a.id IN (SELECT t.approval_id
               FROM approval_timers AS t
               WHERE t.due_at <= :now AND t.approval_id <> ALL (:exclude::uuid[])
               ORDER BY t.due_at
               LIMIT :scan)
ORDER BY a.id
LIMIT :limit
FOR UPDATE SKIP LOCKED
