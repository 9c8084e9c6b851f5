-- The simulated world's journal written by every replica that runs its tasks: each batch takes
-- its entries' numbers from the head, which stays locked until the batch commits, so numbers
-- follow commit order across writers and every replica replays one sequence (as the events do).
-- A compaction keeps the entries since the snapshot before it, so that a replica a little
-- behind still finds what it has not applied.

CREATE TABLE sim_head (
    id  SMALLINT PRIMARY KEY CHECK (id = 0),
    seq BIGINT NOT NULL
);
INSERT INTO sim_head (id, seq)
SELECT 0, COALESCE(GREATEST((SELECT max(seq) FROM sim_journal), (SELECT seq FROM sim_snapshot)), 0);
