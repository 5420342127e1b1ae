-- API keys, share links and webhooks (backend::store). Keys and share tokens are random;
-- keys are kept only as their SHA-256. Times: Unix seconds, except the webhook work tables
-- (Unix milliseconds, as the job queue), whose retries can be sub-second in tests.
CREATE TABLE api_keys (
    id           VARCHAR(36)  NOT NULL PRIMARY KEY,
    user_id      VARCHAR(36)  NOT NULL,
    name         VARCHAR(400) NOT NULL,
    key_hash     VARCHAR(64)  NOT NULL,
    created_at   BIGINT       NOT NULL,
    last_used_at BIGINT       NULL,
    UNIQUE KEY api_keys_hash (key_hash),
    KEY api_keys_by_user (user_id),
    CONSTRAINT api_keys_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE shares (
    id         VARCHAR(36) NOT NULL PRIMARY KEY,
    token      VARCHAR(64) NOT NULL,
    owner      VARCHAR(36) NOT NULL,
    file_id    VARCHAR(36) NOT NULL,
    created_at BIGINT      NOT NULL,
    expires_at BIGINT      NOT NULL,
    UNIQUE KEY shares_token (token),
    KEY shares_by_file (owner, file_id),
    CONSTRAINT shares_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE webhooks (
    id         VARCHAR(36)   NOT NULL PRIMARY KEY,
    owner      VARCHAR(36)   NOT NULL,
    url        VARCHAR(4096) NOT NULL,
    events     VARCHAR(64)   NOT NULL,
    secret     VARCHAR(64)   NOT NULL,
    created_at BIGINT        NOT NULL,
    KEY webhooks_by_owner (owner),
    CONSTRAINT webhooks_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE webhook_watches (
    file_id       VARCHAR(36) NOT NULL PRIMARY KEY,
    owner         VARCHAR(36) NOT NULL,
    next_check_at BIGINT      NOT NULL,
    KEY webhook_watches_due (next_check_at),
    CONSTRAINT webhook_watches_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE webhook_jobs (
    id              VARCHAR(36) NOT NULL PRIMARY KEY,
    webhook_id      VARCHAR(36) NOT NULL,
    event           VARCHAR(32) NOT NULL,
    file_id         VARCHAR(36) NOT NULL,
    body            MEDIUMBLOB  NOT NULL,
    attempt         BIGINT      NOT NULL,
    next_attempt_at BIGINT      NOT NULL,
    KEY webhook_jobs_due (next_attempt_at),
    CONSTRAINT webhook_jobs_hook FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE webhook_deliveries (
    id           VARCHAR(36)   NOT NULL PRIMARY KEY,
    webhook_id   VARCHAR(36)   NOT NULL,
    event        VARCHAR(32)   NOT NULL,
    file_id      VARCHAR(36)   NOT NULL,
    status_code  BIGINT        NULL,
    error        VARCHAR(1024) NULL,
    attempt      BIGINT        NOT NULL,
    delivered_at BIGINT        NOT NULL,
    KEY webhook_deliveries_by_hook (webhook_id, delivered_at),
    CONSTRAINT webhook_deliveries_hook FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
