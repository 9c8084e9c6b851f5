-- A deleted resource cannot be claimed: a replica that has not heard of the deletion yet
-- accepts no task on it (the database refuses the accept with SB005, as SB004 refuses one on a
-- resource another task holds).

CREATE OR REPLACE FUNCTION switchboard_claimed(
    wanted_resources TEXT[], wanted_tasks BIGINT[], got switchboard_claim[]
) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    refused TEXT;
    holder  BIGINT;
    gone    BOOLEAN;
BEGIN
    IF cardinality(got) = cardinality(wanted_resources) THEN
        RETURN;
    END IF;
    SELECT w.r INTO refused
      FROM unnest(wanted_resources, wanted_tasks) AS w(r, t)
     WHERE (w.r, w.t) NOT IN (SELECT g.resource_id, g.task_id FROM unnest(got) g)
     LIMIT 1;
    SELECT active_task_id, deleted INTO holder, gone FROM resources WHERE id = refused;
    IF holder IS NULL AND gone THEN
        RAISE EXCEPTION '% was deleted', refused USING ERRCODE = 'SB005',
            DETAIL = json_build_object('resource', refused)::text;
    END IF;
    RAISE EXCEPTION '% is held by task %', refused, holder USING ERRCODE = 'SB004',
        DETAIL = json_build_object('resource', refused, 'task', holder)::text;
END
$$;
