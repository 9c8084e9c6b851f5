-- Execution by any replica: each unfinished task names the writer that runs it (`executor`, a
-- token of `writers`), and only that writer writes its steps and its end: its writes are fenced
-- by its row, so one whose lease expired (its row removed by the leader, the rescuer) writes
-- nothing more. A task whose executor is no live writer (NULL, or a row gone) is claimed by a
-- live one with `FOR UPDATE SKIP LOCKED`, so that two claimers never take the same task.

ALTER TABLE tasks ADD COLUMN executor BIGINT;
