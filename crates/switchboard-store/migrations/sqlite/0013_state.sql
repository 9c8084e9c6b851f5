-- Whether a resource comes from the inventory (1) or was created through the API (0): a state
-- reset puts the first back in their initial state and deletes the others. Every config sync
-- sets it anew.
ALTER TABLE resources ADD COLUMN configured INTEGER NOT NULL DEFAULT 1;
