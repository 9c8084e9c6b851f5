-- Decisions every replica must agree on are the database's, not one replica's memory: which task
-- holds a resource (its claim), and the ids of new tasks.

-- A resource is held by at most one task, from its accept until its end: the task named by its
-- `active_task_id`. The accept's group statement sets it where it is empty (a row update in
-- place, its column unindexed) and the task's last resource states clear it; an accept whose
-- resource another task holds is refused there (SQLSTATE SB004), whichever replica accepted it.
-- Until now it was written from a task's first step end: the tasks in flight hold theirs now.

-- Task ids come in blocks of 1,024, one block per `nextval`: block b holds the ids
-- (b - 1) * 1024 + 1 to b * 1024. A replica hands out its block's ids in order and takes the
-- next block when it runs out, so ids are never shared and an accept costs no round trip.
CREATE SEQUENCE task_id_blocks;

-- The claims and the next block as the tasks stored say: each unfinished task holds every
-- resource a step of its runs on, and new ids start above every task's. Run here for the
-- tasks already stored, and after a restore replaced them.
CREATE FUNCTION switchboard_claims_and_ids_rebuilt() RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    next_block   BIGINT;
    needed_block BIGINT;
BEGIN
    UPDATE resources SET active_task_id = NULL WHERE active_task_id IS NOT NULL;
    UPDATE resources r SET active_task_id = c.task_id
      FROM (SELECT DISTINCT ON (s.resource_id) s.resource_id, s.task_id
              FROM steps s JOIN tasks t ON t.id = s.task_id
             WHERE t.finished_at IS NULL AND s.follow_task IS NULL
             ORDER BY s.resource_id, s.task_id DESC) c
     WHERE r.id = c.resource_id;
    -- The next `nextval` must give a block above every stored id.
    SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END INTO next_block
      FROM task_id_blocks;
    SELECT (COALESCE(max(id), 0) + 1023) / 1024 + 1 INTO needed_block FROM tasks;
    IF needed_block > next_block THEN
        PERFORM setval('task_id_blocks', needed_block, false);
    END IF;
END
$$;
SELECT switchboard_claims_and_ids_rebuilt();

CREATE TYPE switchboard_claim AS (resource_id TEXT, task_id BIGINT);

-- Raised by a group statement whose claims did not all hold: `wanted` are the (resource, task)
-- pairs it claimed, `got` the ones it set. DETAIL names the first resource refused and the task
-- holding it, as JSON.
CREATE FUNCTION switchboard_claimed(
    wanted_resources TEXT[], wanted_tasks BIGINT[], got switchboard_claim[]
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    refused TEXT;
    holder  BIGINT;
BEGIN
    IF cardinality(got) = cardinality(wanted_resources) THEN
        RETURN;
    END IF;
    SELECT w.r INTO refused
      FROM unnest(wanted_resources, wanted_tasks) AS w(r, t)
     WHERE (w.r, w.t) NOT IN (SELECT g.resource_id, g.task_id FROM unnest(got) g)
     LIMIT 1;
    SELECT active_task_id INTO holder FROM resources WHERE id = refused;
    RAISE EXCEPTION '% is held by task %', refused, holder USING ERRCODE = 'SB004',
        DETAIL = json_build_object('resource', refused, 'task', holder)::text;
END
$$;


-- A resource's row is now updated once more per task (its claim), in place: more room on its
-- page keeps each new version there (a HOT update, no index touched).
ALTER TABLE resources SET (fillfactor = 50);
