-- Identity, as in SQLite (migrations/sqlite 0001, 0003, 0005, 0007): times are milliseconds since
-- the epoch (BIGINT), names and ids TEXT, compared byte-wise (COLLATE "C") so that both stores
-- order lists alike. Foreign keys are DEFERRABLE: restoring a snapshot puts parents back
-- under the children that name them, checked at commit.

CREATE TABLE domains (
    id   TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE projects (
    id        TEXT COLLATE "C" PRIMARY KEY,
    name      TEXT COLLATE "C" NOT NULL,
    domain_id TEXT NOT NULL REFERENCES domains(id) DEFERRABLE
);

CREATE TABLE users (
    id            TEXT COLLATE "C" PRIMARY KEY,
    domain_id     TEXT NOT NULL REFERENCES domains(id) DEFERRABLE,
    name          TEXT COLLATE "C" NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (domain_id, name)
);

CREATE TABLE role_assignments (
    user_id    TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) DEFERRABLE,
    role       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, project_id, role)
);

-- Tokens are stored by the SHA-256 of their value, never in clear.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    project_id TEXT,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX tokens_expiry ON tokens(expires_at);
CREATE INDEX tokens_user ON tokens(user_id);

-- The secret key is needed in clear to verify signatures: stored encrypted under the master key.
CREATE TABLE credentials (
    access_key  TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    secret_enc  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX credentials_user ON credentials(user_id);

CREATE TABLE policies (
    name     TEXT COLLATE "C" PRIMARY KEY,
    document TEXT NOT NULL
);

CREATE TABLE user_policies (
    user_id TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    policy  TEXT COLLATE "C" NOT NULL REFERENCES policies(name) DEFERRABLE,
    PRIMARY KEY (user_id, policy)
);

CREATE TABLE system_admins (
    user_id TEXT PRIMARY KEY REFERENCES users(id) DEFERRABLE
);
