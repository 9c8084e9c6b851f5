-- IAM-style policy documents, attached to users by name.
CREATE TABLE policies (
    name     TEXT PRIMARY KEY,
    document TEXT NOT NULL
);

CREATE TABLE user_policies (
    user_id TEXT NOT NULL REFERENCES users(id),
    policy  TEXT NOT NULL REFERENCES policies(name),
    PRIMARY KEY (user_id, policy)
);
