-- Identity
CREATE TABLE domains (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE projects (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    domain_id TEXT NOT NULL REFERENCES domains(id)
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    domain_id     TEXT NOT NULL REFERENCES domains(id),
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (domain_id, name)
);

CREATE TABLE role_assignments (
    user_id    TEXT NOT NULL REFERENCES users(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    role       TEXT NOT NULL,
    PRIMARY KEY (user_id, project_id, role)
);

-- Tokens are stored by the SHA-256 of their value, never in clear.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    project_id TEXT,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_expiry ON tokens(expires_at);

-- Managed resources and their engine-side lifecycle state.
CREATE TABLE resources (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    cluster_id     INTEGER,
    spec           TEXT NOT NULL,
    state          TEXT NOT NULL,
    active_task_id INTEGER,
    last_error     TEXT,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    project_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_id   TEXT,
    only_self   INTEGER NOT NULL,
    principal   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    progress    REAL NOT NULL,
    error       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX tasks_state ON tasks(state, id);

CREATE TABLE steps (
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    idx           INTEGER NOT NULL,
    resource_id   TEXT NOT NULL,
    action        TEXT NOT NULL,
    follow_task   INTEGER,
    after         TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    prior_state   TEXT NOT NULL,
    expected_ms   INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    error         TEXT,
    PRIMARY KEY (task_id, idx)
);

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    principal  TEXT NOT NULL,
    project_id TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    request_id TEXT NOT NULL,
    source     TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT
);
