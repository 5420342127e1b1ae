//! Names of the environment variables Folio reads.
//!
//! Kept in one place so the binaries, the manifests and the consistency tests cannot drift apart.

/// Address the HTTP server binds, `host:port`.
pub const ADDR: &str = "FOLIO_ADDR";
/// Folder for the embedded mode's SQLite database, generated secrets and local files.
pub const DATA_DIR: &str = "FOLIO_DATA_DIR";
/// `sqlite://…` or `mysql://…`; unset means SQLite inside the data folder.
pub const DATABASE_URL: &str = "DATABASE_URL";
/// Instead of `DATABASE_URL`: a MySQL server (RDS) at this host, whose credentials are in the
/// Secrets Manager secret `FOLIO_DATABASE_SECRET_ARN` (`{"username", "password"}`, as RDS
/// keeps a managed master password), read at start and again as it rotates.
pub const DATABASE_HOST: &str = "FOLIO_DATABASE_HOST";
/// Port of `FOLIO_DATABASE_HOST` (3306).
pub const DATABASE_PORT: &str = "FOLIO_DATABASE_PORT";
/// Database name on `FOLIO_DATABASE_HOST` (`folio`).
pub const DATABASE_NAME: &str = "FOLIO_DATABASE_NAME";
/// The Secrets Manager secret with the credentials for `FOLIO_DATABASE_HOST`.
pub const DATABASE_SECRET_ARN: &str = "FOLIO_DATABASE_SECRET_ARN";
/// PEM bundle of the CAs the database server's certificate must chain to (the RDS bundle in
/// the image); set, the connection is TLS with the server's certificate and name verified.
pub const DATABASE_CA_FILE: &str = "FOLIO_DATABASE_CA_FILE";
/// HS256 signing secret for session tokens (at least 32 bytes).
pub const JWT_SECRET: &str = "FOLIO_JWT_SECRET";
/// Lifetime of a session token, in seconds.
pub const TOKEN_TTL: &str = "FOLIO_TOKEN_TTL";
/// `multi` (default) or `single`: whether a sign-in revokes the user's older tokens.
pub const SESSION_POLICY: &str = "FOLIO_SESSION_POLICY";
/// `open` (default) or `closed`.
pub const SIGNUP: &str = "FOLIO_SIGNUP";
/// Accounts one client address may create within the sign-up window.
pub const SIGNUP_MAX_PER_IP: &str = "FOLIO_SIGNUP_MAX_PER_IP";
/// Length of the sign-up window, in seconds.
pub const SIGNUP_WINDOW: &str = "FOLIO_SIGNUP_WINDOW";
/// Failed sign-in attempts allowed per client IP and per account within the window.
pub const SIGNIN_MAX_FAILURES: &str = "FOLIO_SIGNIN_MAX_FAILURES";
/// Length of the failed sign-in window, in seconds.
pub const SIGNIN_WINDOW: &str = "FOLIO_SIGNIN_WINDOW";
/// Comma-separated addresses or CIDR ranges of proxies whose `X-Forwarded-For` is believed.
pub const TRUSTED_PROXIES: &str = "FOLIO_TRUSTED_PROXIES";
/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: &str = "FOLIO_MAX_BODY_BYTES";
/// Most jobs one user may have queued or rendering at once.
pub const MAX_QUEUED_JOBS: &str = "FOLIO_MAX_QUEUED_JOBS";
/// How fast one user may ask for renders: requests per second, optionally `,burst`.
pub const REQUEST_RATE: &str = "FOLIO_REQUEST_RATE";
/// How fast one client address may open share links (`/s/…`): per second, optionally `,burst`.
pub const SHARE_RATE: &str = "FOLIO_SHARE_RATE";
/// Milliseconds before a failed webhook delivery's first retry; each later wait is 3 times longer.
pub const WEBHOOK_RETRY_BASE_MS: &str = "FOLIO_WEBHOOK_RETRY_BASE_MS";
/// Shortest interval a schedule may have, in seconds (default 3600).
pub const SCHEDULE_MIN_INTERVAL: &str = "FOLIO_SCHEDULE_MIN_INTERVAL";
/// Most bytes of PDFs one user may keep.
pub const MAX_STORED_BYTES: &str = "FOLIO_MAX_STORED_BYTES";
/// Largest PDF kept, in bytes; a bigger one fails its job ("file too large") and is not stored.
pub const MAX_FILE_BYTES: &str = "FOLIO_MAX_FILE_BYTES";
/// 100 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 104_857_600;
/// Most event streams (`GET /api/v1/events`) one user may hold open at once.
pub const MAX_EVENT_STREAMS: &str = "FOLIO_MAX_EVENT_STREAMS";
/// The built SPA to serve at `/`; default `frontend/dist` under the working directory.
pub const STATIC_DIR: &str = "FOLIO_STATIC_DIR";
/// `pretty` (default) or `json`.
pub const LOG_FORMAT: &str = "FOLIO_LOG_FORMAT";
/// `bootstrap --poll` only: `host:port` to serve `GET /metrics` on (unset: no metrics listener;
/// `folio` serves them on `FOLIO_ADDR`).
pub const METRICS_ADDR: &str = "FOLIO_METRICS_ADDR";

/// Path of the Chromium executable.
pub const CHROME_PATH: &str = "FOLIO_CHROME_PATH";
/// How many pages Chromium renders at once (tabs in the pool); default: the number of cores.
pub const RENDER_CONCURRENCY: &str = "FOLIO_RENDER_CONCURRENCY";
/// Per-job render timeout, in seconds.
pub const RENDER_TIMEOUT: &str = "FOLIO_RENDER_TIMEOUT";
/// `true` turns the SSRF guard off (local use and tests only).
pub const RENDER_ALLOW_PRIVATE: &str = "FOLIO_RENDER_ALLOW_PRIVATE";
/// Comma-separated `ip:port` addresses exempt from the guard, for serving test pages locally.
pub const RENDER_ALLOW_ADDRS: &str = "FOLIO_RENDER_ALLOW_ADDRS";
/// Jobs one Chromium process serves before it is replaced, to bound memory.
pub const RENDER_RECYCLE_AFTER: &str = "FOLIO_RENDER_RECYCLE_AFTER";
/// MiB one page's renderer may hold before it is stopped and its job fails.
pub const RENDER_MAX_MEMORY_MB: &str = "FOLIO_RENDER_MAX_MEMORY_MB";

/// Every setting the renderer reads, in whichever binary it runs.
pub const RENDER_SETTINGS: &[&str] = &[
    CHROME_PATH,
    RENDER_CONCURRENCY,
    RENDER_TIMEOUT,
    RENDER_ALLOW_PRIVATE,
    RENDER_ALLOW_ADDRS,
    RENDER_RECYCLE_AFTER,
    RENDER_MAX_MEMORY_MB,
];

/// SQS queue of render jobs; when set, jobs go to SQS instead of the embedded queue.
pub const SQS_QUEUE_URL: &str = "FOLIO_SQS_QUEUE_URL";
/// S3 bucket for PDFs; when set, PDFs go to S3 instead of the data directory.
pub const S3_BUCKET: &str = "FOLIO_S3_BUCKET";
/// DynamoDB table of file records; when set, it replaces the SQL file index.
pub const DYNAMODB_TABLE: &str = "FOLIO_DYNAMODB_TABLE";
/// The job queue's dead-letter queue (optional): the worker ends each job found there as
/// `failed` ("gave up after N attempts"). Without it such jobs wait there for an operator.
pub const SQS_DLQ_URL: &str = "FOLIO_SQS_DLQ_URL";
/// Seconds a presigned S3 download link lives; when set (and PDFs are in S3), downloads redirect
/// to such a link instead of streaming through the backend.
pub const S3_PRESIGN_TTL: &str = "FOLIO_S3_PRESIGN_TTL";

/// Which ports run on AWS: each one whose setting is present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsTargets {
    pub sqs_queue_url: Option<String>,
    pub s3_bucket: Option<String>,
    pub dynamodb_table: Option<String>,
}

impl AwsTargets {
    pub fn read(env: &Env) -> Self {
        Self {
            sqs_queue_url: env.text(SQS_QUEUE_URL),
            s3_bucket: env.text(S3_BUCKET),
            dynamodb_table: env.text(DYNAMODB_TABLE),
        }
    }

    pub fn any(&self) -> bool {
        self.sqs_queue_url.is_some() || self.s3_bucket.is_some() || self.dynamodb_table.is_some()
    }

    /// The settings a worker outside the backend needs but lacks.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            (SQS_QUEUE_URL, self.sqs_queue_url.is_none()),
            (S3_BUCKET, self.s3_bucket.is_none()),
            (DYNAMODB_TABLE, self.dynamodb_table.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect()
    }
}

/// How logs are written: for a terminal, or one JSON object per line for a log collector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Pretty,
    Json,
}

impl LogFormat {
    /// `FOLIO_LOG_FORMAT`, the same in every binary.
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(env
            .one_of(LOG_FORMAT, &[("pretty", Self::Pretty), ("json", Self::Json)])?
            .unwrap_or_default())
    }
}

/// A setting that is present but unusable; start-up stops with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {name}={value:?}: {reason}")]
pub struct SettingError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

impl SettingError {
    pub fn new(name: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            name,
            value: value.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The one reader of settings every binary uses: values come from a lookup (the process
/// environment, or a map in tests), a blank value counts as unset, and every unusable value
/// fails with its setting's name and what was expected.
pub struct Env<'a> {
    lookup: Box<Lookup<'a>>,
}

type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

impl Env<'static> {
    /// The process environment.
    pub fn process() -> Self {
        Self::new(|name| std::env::var(name).ok())
    }
}

impl<'a> Env<'a> {
    pub fn new(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self {
            lookup: Box::new(lookup),
        }
    }

    /// The value, trimmed; `None` when unset or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The value parsed as `T`; `expected` says what a good value looks like.
    pub fn parse<T: std::str::FromStr>(
        &self,
        name: &'static str,
        expected: &str,
    ) -> Result<Option<T>, SettingError> {
        self.parse_with(name, |value| value.parse::<T>().map_err(|_| expected.to_owned()))
    }

    /// The value read by `parse`, whose error is the reason it is unusable.
    pub fn parse_with<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, SettingError> {
        self.text(name)
            .map(|value| parse(&value).map_err(|reason| SettingError::new(name, &value, reason)))
            .transpose()
    }

    /// As [`Self::parse_with`], for a value holding a secret: an error shows `redact(value)`.
    pub fn parse_secret<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
        redact: impl FnOnce(&str) -> String,
    ) -> Result<Option<T>, SettingError> {
        self.text(name)
            .map(|value| parse(&value).map_err(|reason| SettingError::new(name, &redact(&value), reason)))
            .transpose()
    }

    /// A whole number (what fits in `T`).
    pub fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, SettingError> {
        self.parse(name, "expected a whole number")
    }

    /// A whole number above zero.
    pub fn positive(&self, name: &'static str) -> Result<Option<u64>, SettingError> {
        self.parse_with(name, |value| match value.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err("expected a whole number above zero".into()),
        })
    }

    /// A whole number of seconds, at least one.
    pub fn seconds(&self, name: &'static str) -> Result<Option<std::time::Duration>, SettingError> {
        self.parse_with(name, |value| match value.parse::<u64>() {
            Ok(0) => Err("must be at least 1 second".into()),
            Ok(secs) => Ok(std::time::Duration::from_secs(secs)),
            Err(_) => Err("expected a whole number of seconds".into()),
        })
    }

    /// `true`/`false` (or `1`/`0`, `yes`/`no`).
    pub fn flag(&self, name: &'static str) -> Result<Option<bool>, SettingError> {
        self.parse_with(name, |value| match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err("expected true or false".into()),
        })
    }

    /// One of `choices`' labels, in any case.
    pub fn one_of<T: Copy>(
        &self,
        name: &'static str,
        choices: &[(&str, T)],
    ) -> Result<Option<T>, SettingError> {
        self.parse_with(name, |value| {
            let wanted = value.to_ascii_lowercase();
            choices
                .iter()
                .find(|(label, _)| *label == wanted)
                .map(|(_, choice)| *choice)
                .ok_or_else(|| {
                    let labels: Vec<_> = choices.iter().map(|(label, _)| *label).collect();
                    format!("expected one of {}", labels.join(", "))
                })
        })
    }

    /// A comma-separated list, each entry read by `parse`; empty when unset.
    pub fn list<T>(
        &self,
        name: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, SettingError> {
        Ok(self
            .parse_with(name, |value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(&parse)
                    .collect::<Result<Vec<_>, _>>()
            })?
            .unwrap_or_default())
    }
}

/// Every setting the backend reads, for consistency checks against deployment manifests.
pub const BACKEND_SETTINGS: &[&str] = &[
    ADDR,
    DATA_DIR,
    DATABASE_URL,
    DATABASE_HOST,
    DATABASE_PORT,
    DATABASE_NAME,
    DATABASE_SECRET_ARN,
    DATABASE_CA_FILE,
    JWT_SECRET,
    TOKEN_TTL,
    SESSION_POLICY,
    SIGNUP,
    SIGNUP_MAX_PER_IP,
    SIGNUP_WINDOW,
    SIGNIN_MAX_FAILURES,
    SIGNIN_WINDOW,
    TRUSTED_PROXIES,
    MAX_BODY_BYTES,
    MAX_QUEUED_JOBS,
    REQUEST_RATE,
    SHARE_RATE,
    WEBHOOK_RETRY_BASE_MS,
    SCHEDULE_MIN_INTERVAL,
    MAX_STORED_BYTES,
    MAX_FILE_BYTES,
    MAX_EVENT_STREAMS,
    STATIC_DIR,
    LOG_FORMAT,
    SQS_QUEUE_URL,
    S3_BUCKET,
    DYNAMODB_TABLE,
    S3_PRESIGN_TTL,
];

/// Every setting the worker (`bootstrap`) reads besides [`RENDER_SETTINGS`].
pub const WORKER_SETTINGS: &[&str] = &[
    SQS_QUEUE_URL,
    S3_BUCKET,
    DYNAMODB_TABLE,
    SQS_DLQ_URL,
    MAX_FILE_BYTES,
    MAX_STORED_BYTES,
    LOG_FORMAT,
    METRICS_ADDR,
];

/// The settings the worker cannot run without in AWS mode.
pub const WORKER_REQUIRED: &[&str] = &[SQS_QUEUE_URL, S3_BUCKET, DYNAMODB_TABLE];
