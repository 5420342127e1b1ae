-- What each done file's render noticed (issue: capture quality): its warning codes, comma
-- separated (`''` when none), and whether it was printed a second time.
ALTER TABLE files ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
ALTER TABLE files ADD COLUMN retried BIGINT NOT NULL DEFAULT 0;
