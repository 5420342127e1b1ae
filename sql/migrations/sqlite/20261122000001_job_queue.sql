-- The embedded job queue (core::ports::embedded::SqlQueue). Times are Unix milliseconds.
CREATE TABLE job_queue (
    id            TEXT   NOT NULL PRIMARY KEY,
    body          BLOB   NOT NULL,
    visible_at    BIGINT NOT NULL,
    receive_count BIGINT NOT NULL DEFAULT 0,
    receipt       TEXT,
    created_at    BIGINT NOT NULL
);

CREATE INDEX job_queue_by_visibility ON job_queue (visible_at, id);
