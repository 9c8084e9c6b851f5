-- Lists a project reads page by page (newest first), and the tasks a request created (the
-- request log, `tasks?request_id=`): without these each was a scan of the whole history.
CREATE INDEX tasks_project ON tasks (project_id, id);
CREATE INDEX tasks_request ON tasks (request_id);
CREATE INDEX audit_project ON audit (project_id, id);
