-- Writers of their own: the database, not the leader, orders the groups of every replica that
-- writes and numbers their events, so that more than one replica can write.
--
-- A writer is a row of `writers`, named by its fencing token. Each of its writes is fenced by
-- its own row (`switchboard_fence`); removing the row fences the writer off, once its writes in
-- flight have committed (their row locks hold the removal up). The leader is the writer named
-- by the serving lease's token: a takeover, which raises the token, removes the old leader's
-- row and adds the new one's (the trigger below), so fencing a deposed leader works as before.
-- A writer beside the leader holds a lease of its own (`expires_at`), which it renews; the
-- leader removes the rows whose lease has expired.

CREATE TABLE writers (
    token       BIGINT PRIMARY KEY,
    -- The writer's last committed group (numbered from 1 by the writer), and where that
    -- group's events were numbered from: a try that lost its connection finds both here.
    group_no    BIGINT NOT NULL DEFAULT 0,
    first_event BIGINT,
    -- A writer beside the leader: its name, and until when its lease holds (NULL for the
    -- leader's row, which the serving lease holds).
    name        TEXT,
    expires_at  TIMESTAMPTZ
);
INSERT INTO writers (token, group_no)
SELECT l.token, COALESCE(w.group_no, 0)
  FROM serving_lease l LEFT JOIN writer_commits w ON w.token = l.token;

CREATE FUNCTION switchboard_lease_writer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM writers WHERE token = OLD.token;
    INSERT INTO writers (token) VALUES (NEW.token) ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$;
CREATE TRIGGER serving_lease_writer AFTER UPDATE OF token ON serving_lease
    FOR EACH ROW WHEN (OLD.token IS DISTINCT FROM NEW.token)
    EXECUTE FUNCTION switchboard_lease_writer();

-- Key-share locks the writer's row until the commit: its removal waits for the write, or the
-- write sees it removed (SQLSTATE SB001). A group's own update of the row does not conflict.
CREATE OR REPLACE FUNCTION switchboard_fence(fence BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM writers WHERE token = fence FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the writer % was fenced off', fence USING ERRCODE = 'SB001';
    END IF;
END
$$;

-- First in every group's statement: fences the writer, claims the group's number (SB002 when
-- it is committed already), and takes `new_events` event numbers; the first of them. The
-- event head stays locked until the commit, so numbers follow commit order across writers and
-- a reader resuming after a number never misses a later commit.
CREATE FUNCTION switchboard_write_group(writer BIGINT, group_number BIGINT, new_events INTEGER)
RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    done  BIGINT;
    first BIGINT;
BEGIN
    SELECT group_no INTO done FROM writers WHERE token = writer FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the writer % was fenced off', writer USING ERRCODE = 'SB001';
    END IF;
    IF done >= group_number THEN
        RAISE EXCEPTION 'group % is already committed', group_number USING ERRCODE = 'SB002';
    END IF;
    IF new_events > 0 THEN
        UPDATE event_head SET seq = seq + new_events WHERE id = 0
        RETURNING seq - new_events + 1 INTO first;
    END IF;
    UPDATE writers SET group_no = group_number, first_event = first WHERE token = writer;
    RETURN first;
END
$$;

DROP FUNCTION switchboard_commit_group(BIGINT, BIGINT, BIGINT, BIGINT);
DROP TABLE writer_commits;

-- Which writer wrote each event: a replica following the others' changes skips its own.
ALTER TABLE events ADD COLUMN writer BIGINT NOT NULL DEFAULT 0;

-- The tokens of writers besides the leader (`PgStore::open_member`), far above any the serving
-- lease reaches.
CREATE SEQUENCE writer_tokens START WITH 1000000000000;
