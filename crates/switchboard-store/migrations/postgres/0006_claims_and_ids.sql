-- Decisions every replica must agree on are the database's, not one replica's memory: which task
-- holds a resource (its claim), and the ids of new tasks.

-- A resource is held by at most one task, from its accept until its end. The accept's group
-- statement inserts the claims of its tasks and their end deletes them; an accept whose
-- resource another task holds is refused there (SQLSTATE SB004), whichever replica accepted it.
CREATE TABLE claims (
    resource_id TEXT PRIMARY KEY,
    task_id     BIGINT NOT NULL
);
CREATE INDEX claims_task ON claims (task_id);

-- The claims of the tasks already in flight: every resource a step of theirs runs on.
INSERT INTO claims (resource_id, task_id)
SELECT DISTINCT ON (s.resource_id) s.resource_id, s.task_id
  FROM steps s JOIN tasks t ON t.id = s.task_id
 WHERE t.finished_at IS NULL AND s.follow_task IS NULL
 ORDER BY s.resource_id, s.task_id DESC;

-- Raised by a group statement whose claims did not all hold: `wanted` are the (resource, task)
-- pairs it claimed, `got` the rows it inserted. DETAIL names the first resource refused and
-- the task holding it, as JSON.
CREATE FUNCTION switchboard_claimed(
    wanted_resources TEXT[], wanted_tasks BIGINT[], got claims[]
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
    SELECT task_id INTO holder FROM claims WHERE resource_id = refused;
    RAISE EXCEPTION '% is held by task %', refused, holder USING ERRCODE = 'SB004',
        DETAIL = json_build_object('resource', refused, 'task', holder)::text;
END
$$;

-- Task ids come in blocks of 1,024, one block per `nextval`: block b holds the ids
-- (b - 1) * 1024 + 1 to b * 1024. A replica hands out its block's ids in order and takes the
-- next block when it runs out, so ids are never shared and an accept costs no round trip.
CREATE SEQUENCE task_id_blocks;
SELECT setval('task_id_blocks', (COALESCE(max(id), 0) + 1023) / 1024 + 1, false) FROM tasks;
