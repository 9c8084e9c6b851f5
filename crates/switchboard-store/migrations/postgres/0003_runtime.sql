-- The run-time state, as in SQLite (0001, 0004, 0006, 0008, 0010-0014): tasks and their steps,
-- the audit trail, the event log, and the test team's controls of the simulated world.

CREATE TABLE tasks (
    id               BIGINT PRIMARY KEY,
    project_id       TEXT COLLATE "C" NOT NULL,
    kind             TEXT NOT NULL,
    action           TEXT NOT NULL,
    target_id        TEXT,
    only_self        BOOLEAN NOT NULL,
    principal        TEXT NOT NULL,
    request_id       TEXT NOT NULL,
    state            TEXT NOT NULL,
    progress         DOUBLE PRECISION NOT NULL,
    error            TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    finished_at      BIGINT,
    targets          TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tasks_state ON tasks (state, id);
CREATE INDEX tasks_project ON tasks (project_id, id);
CREATE INDEX tasks_request ON tasks (request_id);

CREATE TABLE steps (
    task_id     BIGINT NOT NULL REFERENCES tasks(id) DEFERRABLE,
    idx         BIGINT NOT NULL,
    resource_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    follow_task BIGINT,
    after       TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    BIGINT NOT NULL,
    prior_state TEXT NOT NULL,
    expected_ms BIGINT NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT,
    error       TEXT,
    output      TEXT,
    PRIMARY KEY (task_id, idx)
);
-- Instance actions list the tasks that touched one server.
CREATE INDEX steps_resource ON steps (resource_id, task_id);

CREATE TABLE audit (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    principal  TEXT NOT NULL,
    project_id TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    request_id TEXT NOT NULL,
    source     TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_project ON audit (project_id, id);

-- Events are numbered from `event_head`, taken by each transaction that writes events as its
-- last statement: its row lock is held only through the commit, so numbers follow commit order
-- across every replica, and a reader resuming after a number can never miss a later commit.
CREATE TABLE events (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    project_id TEXT NOT NULL,
    task_id    BIGINT,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX events_project ON events (project_id, seq);

CREATE TABLE event_head (
    id  INTEGER PRIMARY KEY CHECK (id = 0),
    seq BIGINT NOT NULL
);
INSERT INTO event_head (id, seq) VALUES (0, 0);

CREATE TABLE fault_rules (
    position BIGINT NOT NULL,
    id       TEXT PRIMARY KEY,
    rule     TEXT NOT NULL,
    matched  BIGINT NOT NULL DEFAULT 0,
    fired    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE fault_firings (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    family     TEXT NOT NULL,
    action     TEXT,
    resource   TEXT,
    project_id TEXT,
    request_id TEXT,
    step       TEXT,
    principal  TEXT,
    effect     TEXT NOT NULL
);
CREATE INDEX fault_firings_rule ON fault_firings (rule_id);

CREATE TABLE transitions (
    position BIGINT NOT NULL,
    id       TEXT PRIMARY KEY,
    setting  TEXT NOT NULL
);

CREATE TABLE sim_clock (
    id        INTEGER PRIMARY KEY CHECK (id = 0),
    offset_ms BIGINT NOT NULL
);
