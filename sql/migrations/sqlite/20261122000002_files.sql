-- Each user's file records (core::ports::embedded::SqlFileIndex). Times are Unix milliseconds.
CREATE TABLE files (
    id         TEXT   NOT NULL PRIMARY KEY,
    owner      TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    source_url TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    error      TEXT,
    size_bytes BIGINT,
    pages      BIGINT,
    engine     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX files_by_owner ON files (owner, id);
