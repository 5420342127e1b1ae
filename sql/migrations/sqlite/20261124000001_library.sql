-- Versions, options and tags of each file (issue: the library). `options` is the JSON of the
-- options that differ from the defaults; `tags` is ",a,b," (sorted, commas around each) or ''.
ALTER TABLE files ADD COLUMN options BLOB NOT NULL DEFAULT X'7B7D'; -- '{}', as bytes as in MySQL
ALTER TABLE files ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE files ADD COLUMN tags TEXT NOT NULL DEFAULT '';

CREATE INDEX files_by_source ON files (owner, source_url, id);
