-- Fault rules in force, in order (first match wins), with their counters; and every firing.
CREATE TABLE fault_rules (
    position INTEGER NOT NULL,
    id       TEXT PRIMARY KEY,
    rule     TEXT NOT NULL,
    matched  INTEGER NOT NULL DEFAULT 0,
    fired    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE fault_firings (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id    TEXT NOT NULL,
    at         INTEGER NOT NULL,
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
