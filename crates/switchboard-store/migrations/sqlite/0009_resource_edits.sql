-- Changes made through the API to a resource's name or attributes (a DB O&M rename, a Live
-- flow's sources and outputs). Kept apart from `resources.spec`, which a config sync rewrites
-- at every start, and laid over it when the resources are loaded: `name` replaces the spec's
-- name when set, and each top-level key of `attrs` (a JSON object) replaces the spec's.
CREATE TABLE resource_edits (
    resource_id TEXT PRIMARY KEY REFERENCES resources(id),
    name        TEXT,
    attrs       TEXT NOT NULL DEFAULT '{}',
    updated_at  INTEGER NOT NULL
);
