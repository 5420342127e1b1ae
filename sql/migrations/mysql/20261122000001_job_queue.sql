-- The embedded job queue (core::ports::embedded::SqlQueue). Times are Unix milliseconds.
CREATE TABLE job_queue (
    id            VARCHAR(36) NOT NULL PRIMARY KEY,
    body          LONGBLOB    NOT NULL,
    visible_at    BIGINT      NOT NULL,
    receive_count BIGINT      NOT NULL DEFAULT 0,
    receipt       VARCHAR(36) NULL,
    created_at    BIGINT      NOT NULL,
    KEY job_queue_by_visibility (visible_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
