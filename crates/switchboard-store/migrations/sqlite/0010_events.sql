-- The event stream (`GET /switchboard/v1/events`): one row per change, written in the same
-- transaction as the change it describes. `seq` is the durable, strictly increasing event id
-- clients resume from; AUTOINCREMENT keeps it from ever being reused after pruning. `data` is
-- the event's JSON as sent. Only the newest rows are kept (`[events] retention`).
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    task_id    INTEGER,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX events_project ON events (project_id, seq);
