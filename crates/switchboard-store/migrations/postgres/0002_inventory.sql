-- Managed resources with their engine-side state, as in SQLite (0001, 0002, 0008, 0009, 0013).
-- `ord` keeps creation order (SQLite's rowid): an upsert keeps a resource's place.

CREATE TABLE resources (
    ord            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    id             TEXT COLLATE "C" PRIMARY KEY,
    project_id     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    cluster_id     BIGINT,
    spec           TEXT NOT NULL,
    state          TEXT NOT NULL,
    active_task_id BIGINT,
    last_error     TEXT,
    updated_at     BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL DEFAULT FALSE,
    configured     BOOLEAN NOT NULL DEFAULT TRUE
);

-- Renames and attribute edits made through the APIs, laid over the inventory's spec.
CREATE TABLE resource_edits (
    resource_id TEXT PRIMARY KEY REFERENCES resources(id) DEFERRABLE,
    name        TEXT,
    attrs       TEXT NOT NULL DEFAULT '{}',
    updated_at  BIGINT NOT NULL
);

-- Server metadata: one JSON object per resource, once first written.
CREATE TABLE resource_metadata (
    resource_id TEXT PRIMARY KEY,
    items       TEXT NOT NULL
);
