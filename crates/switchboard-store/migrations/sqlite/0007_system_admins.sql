-- System scope (Keystone's system role, in small): these users administer every project, user,
-- policy, key and token. Everyone else administers at most the projects where they hold `admin`.
CREATE TABLE system_admins (
    user_id TEXT PRIMARY KEY REFERENCES users(id)
);
