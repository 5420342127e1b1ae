-- Where each done file came from (issue: capture quality): the address after redirects, the
-- HTTP status, and when it was captured (Unix milliseconds).
ALTER TABLE files
    ADD COLUMN final_url   VARCHAR(4096) NULL,
    ADD COLUMN http_status BIGINT        NULL,
    ADD COLUMN captured_at BIGINT        NULL;
