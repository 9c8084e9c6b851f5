-- Permanent AK/SK credentials. The secret key is needed in clear to verify signatures, so it is
-- stored encrypted under the master key, never in clear.
CREATE TABLE credentials (
    access_key  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    secret_enc  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX credentials_user ON credentials(user_id);
