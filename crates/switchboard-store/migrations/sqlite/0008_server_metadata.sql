-- Server metadata as written through the Nova API. A row exists once the metadata was first
-- written; until then the inventory's `attrs.metadata` applies. `items` is a JSON object.
CREATE TABLE resource_metadata (
    resource_id TEXT PRIMARY KEY,
    items       TEXT NOT NULL
);

-- Instance actions list the tasks that touched one server.
CREATE INDEX steps_resource ON steps(resource_id, task_id);
