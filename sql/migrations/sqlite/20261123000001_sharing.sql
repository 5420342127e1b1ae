-- API keys, share links and webhooks (backend::store). Keys and share tokens are random;
-- keys are kept only as their SHA-256. Times: Unix seconds, except the webhook work tables
-- (Unix milliseconds, as the job queue), whose retries can be sub-second in tests.
CREATE TABLE api_keys (
    id           TEXT   NOT NULL PRIMARY KEY,
    user_id      TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    key_hash     TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);

CREATE TABLE shares (
    id         TEXT   NOT NULL PRIMARY KEY,
    token      TEXT   NOT NULL UNIQUE,
    owner      TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_id    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX shares_by_file ON shares (owner, file_id);

CREATE TABLE webhooks (
    id         TEXT   NOT NULL PRIMARY KEY,
    owner      TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url        TEXT   NOT NULL,
    events     TEXT   NOT NULL,
    secret     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_by_owner ON webhooks (owner);

-- Files whose end is awaited for their owner's webhooks.
CREATE TABLE webhook_watches (
    file_id       TEXT   NOT NULL PRIMARY KEY,
    owner         TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_check_at BIGINT NOT NULL
);
CREATE INDEX webhook_watches_due ON webhook_watches (next_check_at);

-- Deliveries still to make (or to retry).
CREATE TABLE webhook_jobs (
    id              TEXT   NOT NULL PRIMARY KEY,
    webhook_id      TEXT   NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT   NOT NULL,
    file_id         TEXT   NOT NULL,
    body            BLOB   NOT NULL,
    attempt         BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL
);
CREATE INDEX webhook_jobs_due ON webhook_jobs (next_attempt_at);

-- Every attempt made, for the owner to see.
CREATE TABLE webhook_deliveries (
    id           TEXT   NOT NULL PRIMARY KEY,
    webhook_id   TEXT   NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event        TEXT   NOT NULL,
    file_id      TEXT   NOT NULL,
    status_code  BIGINT,
    error        TEXT,
    attempt      BIGINT NOT NULL,
    delivered_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, delivered_at);
