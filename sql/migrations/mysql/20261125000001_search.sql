-- What a done file's render found (issue: the library): whether its text changed since the
-- previous version (0/1, NULL when there is nothing to compare) and the SHA-256 of its bytes.
ALTER TABLE files
    ADD COLUMN changed BIGINT      NULL,
    ADD COLUMN sha256  VARCHAR(64) NULL;

-- The backend's full-text index of done files: name, address and the text the render saw.
-- InnoDB FULLTEXT in boolean mode (prefix `word*`); the accent- and case-insensitive collation
-- makes matching insensitive to both. Rows go with their owner's account.
CREATE TABLE search_docs (
    id      BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner   VARCHAR(36)   NOT NULL COLLATE utf8mb4_bin,
    file_id VARCHAR(36)   NOT NULL COLLATE utf8mb4_bin,
    name    VARCHAR(1024) NOT NULL,
    url     VARCHAR(4096) NOT NULL,
    body    MEDIUMTEXT    NOT NULL,
    UNIQUE KEY search_docs_by_file (file_id),
    KEY search_docs_by_owner (owner, file_id),
    FULLTEXT KEY search_docs_text (name, url, body),
    CONSTRAINT search_docs_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
