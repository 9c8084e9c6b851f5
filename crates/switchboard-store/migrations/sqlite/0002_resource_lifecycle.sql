-- Resources created and deleted through the API (Live flows, DB O&M instances). A deleted
-- resource keeps its row so that its tasks still name it, and so that a config sync does not
-- bring it back.
ALTER TABLE resources ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
