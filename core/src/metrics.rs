//! Names of the metrics Folio exports at `GET /metrics`, shared by the crates that record them
//! and the tests that read them.

/// Jobs that reached a final state, by `outcome` (`done` or `failed`).
pub const JOBS: &str = "folio_jobs_total";
/// Seconds from the start of a render to its PDF or its failure, by `engine`.
pub const RENDER_DURATION: &str = "folio_render_duration_seconds";
/// HTTP requests answered, by `route` (the matched route, never the raw path) and `status`.
pub const HTTP_REQUESTS: &str = "folio_http_requests_total";
/// Seconds to answer an HTTP request, by `route`.
pub const HTTP_DURATION: &str = "folio_http_request_duration_seconds";
/// Jobs waiting in the embedded queue (SQS reports its own depth to CloudWatch).
pub const QUEUE_DEPTH: &str = "folio_queue_depth";
/// Chromium browsers started, relaunches after a crash or a recycle included.
pub const BROWSER_LAUNCHES: &str = "folio_browser_launches_total";
/// Requests the SSRF guard refused, by `reason` (`loopback`, `private`, `metadata`, …).
pub const GUARD_REFUSALS: &str = "folio_guard_refusals_total";
/// Webhook delivery attempts, by `outcome` (`delivered`, `retrying` or `gave_up`).
pub const WEBHOOK_DELIVERIES: &str = "folio_webhook_deliveries_total";
