-- Changes to what every replica keeps in memory: the principals it cached for tokens; whether
-- the test team's controls (fault rules, transitions, the simulated clock) are set, which makes
-- replicas beside the leader pass every request to it; and, counted in `reloads`, a reset or a
-- restore, after which they read their world again from the tables. A change raises
-- `generation`; each writer notes in its row the newest generation it has applied (`seen`),
-- so that whoever made the change can wait until every live replica has applied it.

CREATE TABLE shared_changes (
    id         INTEGER PRIMARY KEY CHECK (id = 0),
    generation BIGINT NOT NULL,
    controls   BOOLEAN NOT NULL,
    reloads    BIGINT NOT NULL
);
INSERT INTO shared_changes (id, generation, controls, reloads) VALUES (0, 0, FALSE, 0);

ALTER TABLE writers ADD COLUMN seen BIGINT NOT NULL DEFAULT 0;
