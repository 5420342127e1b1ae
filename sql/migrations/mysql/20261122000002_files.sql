-- Each user's file records (core::ports::embedded::SqlFileIndex). Times are Unix milliseconds.
CREATE TABLE files (
    id         VARCHAR(36)   NOT NULL PRIMARY KEY,
    owner      VARCHAR(36)   NOT NULL,
    name       VARCHAR(1024) NOT NULL,
    source_url VARCHAR(4096) NOT NULL,
    status     VARCHAR(16)   NOT NULL,
    error      VARCHAR(2048) NULL,
    size_bytes BIGINT        NULL,
    pages      BIGINT        NULL,
    engine     VARCHAR(16)   NOT NULL,
    created_at BIGINT        NOT NULL,
    updated_at BIGINT        NOT NULL,
    KEY files_by_owner (owner, id),
    CONSTRAINT files_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
