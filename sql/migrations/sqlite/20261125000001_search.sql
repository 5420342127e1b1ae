-- What a done file's render found (issue: the library): whether its text changed since the
-- previous version (0/1, NULL when there is nothing to compare) and the SHA-256 of its bytes.
ALTER TABLE files ADD COLUMN changed BIGINT;
ALTER TABLE files ADD COLUMN sha256 TEXT;

-- The backend's full-text index of done files: name, address and the text the render saw.
-- FTS5 with external content (`search_docs` holds the rows, so a file is found and removed by
-- its id through an ordinary index); `remove_diacritics 2` makes matching accent-insensitive.
CREATE TABLE search_docs (
    id      INTEGER PRIMARY KEY,
    owner   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_id TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    url     TEXT NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX search_docs_by_owner ON search_docs (owner, file_id);

CREATE VIRTUAL TABLE search_fts USING fts5(
    name, url, body,
    content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_docs_inserted AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, name, url, body) VALUES (new.id, new.name, new.url, new.body);
END;
CREATE TRIGGER search_docs_deleted AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, name, url, body) VALUES ('delete', old.id, old.name, old.url, old.body);
END;
CREATE TRIGGER search_docs_updated AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, name, url, body) VALUES ('delete', old.id, old.name, old.url, old.body);
    INSERT INTO search_fts (rowid, name, url, body) VALUES (new.id, new.name, new.url, new.body);
END;
