-- Several replicas on one database: one leads (holds the serving lease) and executes, the others
-- stand by and take over when its lease expires or its session ends. Every write of the leader
-- is conditional on its fencing token (the lease's `token`, raised at each takeover).

CREATE TABLE serving_lease (
    id             SMALLINT PRIMARY KEY CHECK (id = 0),
    token          BIGINT NOT NULL,
    holder         TEXT,
    -- The holder's lease session: when it is gone (a kill -9), standbys need not wait for expiry.
    holder_pid     INTEGER,
    holder_started TIMESTAMPTZ,
    -- Where the other replicas forward requests to while it leads.
    holder_url     TEXT,
    expires_at     TIMESTAMPTZ NOT NULL
);
INSERT INTO serving_lease (id, token, expires_at) VALUES (0, 0, '-infinity');

-- What every replica must agree on (the inventory's fingerprint, the master key's check).
CREATE TABLE cluster_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The simulated world, shared as the external system it stands in for: its action log (each
-- entry as the JSON line the file log holds) and the snapshot the log was compacted into.
CREATE TABLE sim_journal (
    seq   BIGINT PRIMARY KEY,
    token BIGINT NOT NULL,
    entry TEXT NOT NULL
);
CREATE TABLE sim_snapshot (
    id  SMALLINT PRIMARY KEY CHECK (id = 0),
    seq BIGINT NOT NULL,
    doc TEXT NOT NULL
);
