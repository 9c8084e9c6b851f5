-- A group commit is one statement (see rows.rs), and each group is committed at most once:
-- the leader numbers its groups, and the statement claims its number here. After a connection
-- lost mid-commit, trying the group again either commits it or finds it committed, never twice.

CREATE TABLE writer_commits (
    id       SMALLINT PRIMARY KEY CHECK (id = 0),
    -- The fencing token of the leader that committed the group, and its number under that token.
    token    BIGINT NOT NULL,
    group_no BIGINT NOT NULL
);
INSERT INTO writer_commits (id, token, group_no) VALUES (0, 0, 0);

-- Every write of the leader is fenced by this, first in its transaction: it holds the serving
-- lease in share mode until the commit, so a takeover waits for the write or the write sees the
-- new token. SQLSTATE SB001: the lease was taken over.
CREATE FUNCTION switchboard_fence(fence BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM serving_lease WHERE id = 0 AND token = fence FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the serving lease was taken over' USING ERRCODE = 'SB001';
    END IF;
END
$$;

-- Called by every group's statement before its rows are written (PostgreSQL runs a statement's
-- data-modifying WITH clauses after its main query): fences the group; claims the group's
-- number; moves the event numbers on from `head_before` to `head_after` (the leader
-- numbers its events itself: it alone writes them while it holds the lease).
-- SQLSTATE SB002: this group is already committed; SB003: the event numbers are not where the
-- leader expected them.
CREATE FUNCTION switchboard_commit_group(
    fence BIGINT, group_number BIGINT, head_before BIGINT, head_after BIGINT
) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM switchboard_fence(fence);
    UPDATE writer_commits SET token = fence, group_no = group_number
     WHERE id = 0 AND (token, group_no) < (fence, group_number);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'group % is already committed', group_number USING ERRCODE = 'SB002';
    END IF;
    IF head_after IS NOT NULL THEN
        UPDATE event_head SET seq = head_after WHERE id = 0 AND seq = head_before;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the event numbers moved past %', head_before USING ERRCODE = 'SB003';
        END IF;
    END IF;
END
$$;

-- Steps and resources are updated in place after their insert (a step twice, as it starts and
-- ends): room left on their pages lets PostgreSQL keep the new version on the same page without
-- touching the indexes (a HOT update; only 40% were, with full pages).
ALTER TABLE steps SET (fillfactor = 70);
ALTER TABLE resources SET (fillfactor = 70);
