-- Every target of a task (a BMS batch has many), so that identical requests are recognised
-- after a restart; and a durable cancel request, so that a cancel answered is never lost.
ALTER TABLE tasks ADD COLUMN targets TEXT;
ALTER TABLE tasks ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
