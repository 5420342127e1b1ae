-- Versions, options and tags of each file (issue: the library). `options` is the JSON of the
-- options that differ from the defaults (bytes: sqlx's Any driver reads MySQL TEXT as bytes anyway,
-- and templates make it too long for a VARCHAR); `tags` is ",a,b," (sorted, commas around each) or ''.
ALTER TABLE files
    ADD COLUMN options MEDIUMBLOB    NOT NULL,
    ADD COLUMN version BIGINT       NOT NULL DEFAULT 1,
    ADD COLUMN tags    VARCHAR(1024) NOT NULL DEFAULT '',
    ADD KEY files_by_source (owner, source_url(255), id);
UPDATE files SET options = '{}';
