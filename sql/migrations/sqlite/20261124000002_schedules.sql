-- Scheduled re-captures (backend::schedules). `options` is the JSON as sent (bytes, as in
-- `files`); times are Unix milliseconds.
CREATE TABLE schedules (
    id            TEXT   NOT NULL PRIMARY KEY,
    owner         TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url           TEXT   NOT NULL,
    options       BLOB   NOT NULL,
    engine        TEXT   NOT NULL,
    every_seconds BIGINT NOT NULL,
    next_run_ms   BIGINT NOT NULL,
    last_file_id  TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX schedules_by_owner ON schedules (owner);
CREATE INDEX schedules_due ON schedules (next_run_ms);
