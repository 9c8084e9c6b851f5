-- Controllable transitions of the simulated world (oldest first), and the simulated clock's
-- offset from the wall clock.
CREATE TABLE transitions (
    position INTEGER NOT NULL,
    id       TEXT PRIMARY KEY,
    setting  TEXT NOT NULL
);

CREATE TABLE sim_clock (
    id        INTEGER PRIMARY KEY CHECK (id = 0),
    offset_ms INTEGER NOT NULL
);
