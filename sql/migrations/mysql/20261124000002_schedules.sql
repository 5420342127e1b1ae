-- Scheduled re-captures (backend::schedules). `options` is the JSON as sent (bytes, as in
-- `files`); times are Unix milliseconds.
CREATE TABLE schedules (
    id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    owner         VARCHAR(36)   NOT NULL,
    url           VARCHAR(4096) NOT NULL,
    options       MEDIUMBLOB    NOT NULL,
    engine        VARCHAR(16)   NOT NULL,
    every_seconds BIGINT        NOT NULL,
    next_run_ms   BIGINT        NOT NULL,
    last_file_id  VARCHAR(36)   NULL,
    created_at    BIGINT        NOT NULL,
    KEY schedules_by_owner (owner),
    KEY schedules_due (next_run_ms),
    CONSTRAINT schedules_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
