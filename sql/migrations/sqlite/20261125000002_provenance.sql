-- Where each done file came from (issue: capture quality): the address after redirects, the
-- HTTP status, and when it was captured (Unix milliseconds).
ALTER TABLE files ADD COLUMN final_url TEXT;
ALTER TABLE files ADD COLUMN http_status BIGINT;
ALTER TABLE files ADD COLUMN captured_at BIGINT;
