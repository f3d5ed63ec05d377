-- The active relay's session commits its checkpoint without waiting for the WAL flush: a checkpoint lost in a
-- PostgreSQL crash only makes the relay publish those events again with the same message ids (which consumers
-- dedupe), and the WAL order means a checkpoint that survives never points past an event that did not. The wait
-- was one disk flush per round in every delivery's path.
SET synchronous_commit = off
