//! Typed settings, read from the environment (12-factor, as Kubernetes delivers them).
//!
//! Every setting has a default that makes the embedded mode work with nothing set at all.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use folio_core::settings::{self as names, Env};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

/// Whether a new sign-in leaves the user's other sessions alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPolicy {
    /// Any number of concurrent sessions (the default).
    Multi,
    /// A new sign-in revokes every older token of that user: one device at a time.
    Single,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupPolicy {
    Open,
    Closed,
}

pub use folio_core::settings::LogFormat;

#[derive(Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None` selects SQLite inside `data_dir`, unless `managed_database` is set.
    pub database_url: Option<SecretString>,
    /// MySQL on RDS with its credentials in Secrets Manager (`FOLIO_DATABASE_HOST`, …).
    pub managed_database: Option<crate::store::managed::ManagedDatabase>,
    /// `None` makes the server generate one and keep it in `data_dir`.
    pub jwt_secret: Option<SecretString>,
    pub token_ttl: Duration,
    pub session_policy: SessionPolicy,
    pub signup: SignupPolicy,
    pub signup_max_per_ip: u32,
    pub signup_window: Duration,
    pub signin_max_failures: u32,
    pub signin_window: Duration,
    pub trusted_proxies: Vec<IpNet>,
    pub max_body_bytes: usize,
    /// Per-user limits: jobs queued or rendering at once, and bytes of stored PDFs.
    pub max_queued_jobs: u64,
    /// How fast one user may ask for renders (`FOLIO_REQUEST_RATE`).
    pub request_rate: crate::request_rate::RequestRate,
    /// How fast one client address may open share links (`FOLIO_SHARE_RATE`).
    pub share_rate: crate::request_rate::RequestRate,
    /// The wait before a failed webhook delivery's first retry (`FOLIO_WEBHOOK_RETRY_BASE_MS`).
    pub webhook_retry_base: Duration,
    /// The shortest interval a schedule may have (`FOLIO_SCHEDULE_MIN_INTERVAL`, seconds).
    pub schedule_min_interval: Duration,
    pub max_stored_bytes: u64,
    /// Largest PDF kept.
    pub max_file_bytes: u64,
    /// Event streams one user may hold open at once.
    pub max_event_streams: usize,
    /// How long a client may take to send a request's headers, or to start its next request on
    /// a kept-alive connection (not read from the environment: tests shorten it).
    pub header_read_timeout: Duration,
    pub log_format: LogFormat,
    /// Chromium, timeouts and the SSRF guard, shared with `folio render` and the worker.
    pub render: folio_render::RenderSettings,
    /// Ports that run on AWS instead of this machine, each when its setting is present.
    pub aws: folio_core::settings::AwsTargets,
    /// When set, downloads from S3 redirect to a presigned link valid this long.
    pub s3_presign_ttl: Option<Duration>,
    /// The built SPA (`index.html` and `assets/`), served at `/`.
    pub static_dir: PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            managed_database: None,
            jwt_secret: None,
            token_ttl: Duration::from_secs(24 * 60 * 60),
            session_policy: SessionPolicy::Multi,
            signup: SignupPolicy::Open,
            signup_max_per_ip: 10,
            signup_window: Duration::from_secs(60 * 60),
            signin_max_failures: 10,
            signin_window: Duration::from_secs(5 * 60),
            trusted_proxies: Vec::new(),
            max_body_bytes: 1024 * 1024,
            max_queued_jobs: 200,
            request_rate: Default::default(),
            share_rate: "2,20".parse().expect("a valid rate"),
            webhook_retry_base: Duration::from_secs(5),
            schedule_min_interval: Duration::from_secs(3600),
            max_stored_bytes: 1024 * 1024 * 1024,
            max_file_bytes: folio_lambda::DEFAULT_MAX_FILE_BYTES,
            max_event_streams: 10,
            header_read_timeout: Duration::from_secs(30),
            log_format: LogFormat::Pretty,
            render: folio_render::RenderSettings::default(),
            aws: folio_core::settings::AwsTargets::default(),
            s3_presign_ttl: None,
            static_dir: PathBuf::from("frontend/dist"),
        }
    }
}

pub use folio_core::settings::SettingError as SettingsError;

mod parse;
use parse::*;

impl Settings {
    /// Reads every setting through `env` (the process environment, or a map in tests).
    pub fn read(env: &Env) -> Result<Self, SettingsError> {
        let defaults = Self::default();
        Ok(Self {
            addr: env
                .parse(names::ADDR, "expected host:port, such as 127.0.0.1:8080")?
                .unwrap_or(defaults.addr),
            data_dir: env.text(names::DATA_DIR).map_or(defaults.data_dir, PathBuf::from),
            database_url: env.parse_secret(names::DATABASE_URL, database_url, redact_dsn)?,
            managed_database: crate::store::managed::ManagedDatabase::read(env)?,
            jwt_secret: env.parse_secret(names::JWT_SECRET, jwt_secret, |_| "[REDACTED]".into())?,
            token_ttl: env.seconds(names::TOKEN_TTL)?.unwrap_or(defaults.token_ttl),
            session_policy: env
                .one_of(
                    names::SESSION_POLICY,
                    &[("multi", SessionPolicy::Multi), ("single", SessionPolicy::Single)],
                )?
                .unwrap_or(defaults.session_policy),
            signup: env
                .one_of(
                    names::SIGNUP,
                    &[("open", SignupPolicy::Open), ("closed", SignupPolicy::Closed)],
                )?
                .unwrap_or(defaults.signup),
            signup_max_per_ip: env
                .number(names::SIGNUP_MAX_PER_IP)?
                .unwrap_or(defaults.signup_max_per_ip),
            signup_window: env
                .seconds(names::SIGNUP_WINDOW)?
                .unwrap_or(defaults.signup_window),
            signin_max_failures: env
                .number(names::SIGNIN_MAX_FAILURES)?
                .unwrap_or(defaults.signin_max_failures),
            signin_window: env
                .seconds(names::SIGNIN_WINDOW)?
                .unwrap_or(defaults.signin_window),
            trusted_proxies: env.list(names::TRUSTED_PROXIES, proxy)?,
            max_body_bytes: env
                .parse(names::MAX_BODY_BYTES, "expected a number of bytes")?
                .unwrap_or(defaults.max_body_bytes),
            max_queued_jobs: env
                .number(names::MAX_QUEUED_JOBS)?
                .unwrap_or(defaults.max_queued_jobs),
            request_rate: env
                .parse_with(names::REQUEST_RATE, str::parse)?
                .unwrap_or(defaults.request_rate),
            share_rate: env
                .parse_with(names::SHARE_RATE, str::parse)?
                .unwrap_or(defaults.share_rate),
            webhook_retry_base: env
                .positive(names::WEBHOOK_RETRY_BASE_MS)?
                .map_or(defaults.webhook_retry_base, Duration::from_millis),
            schedule_min_interval: env
                .positive(names::SCHEDULE_MIN_INTERVAL)?
                .map_or(defaults.schedule_min_interval, Duration::from_secs),
            max_stored_bytes: env
                .parse(names::MAX_STORED_BYTES, "expected a number of bytes")?
                .unwrap_or(defaults.max_stored_bytes),
            max_file_bytes: env
                .parse(names::MAX_FILE_BYTES, "expected a number of bytes")?
                .unwrap_or(defaults.max_file_bytes),
            max_event_streams: env
                .number(names::MAX_EVENT_STREAMS)?
                .unwrap_or(defaults.max_event_streams),
            header_read_timeout: defaults.header_read_timeout,
            log_format: LogFormat::read(env)?,
            render: folio_render::RenderSettings::read(env)?,
            aws: names::AwsTargets::read(env),
            s3_presign_ttl: presign_ttl(env)?,
            static_dir: env
                .text(names::STATIC_DIR)
                .map_or(defaults.static_dir, PathBuf::from),
        })
    }

    pub fn uses_mysql(&self) -> bool {
        self.managed_database.is_some()
            || self
                .database_url
                .as_ref()
                .is_some_and(|url| url.expose_secret().starts_with("mysql:"))
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_ref()
                    .map(|url| redact_dsn(url.expose_secret())),
            )
            .field("managed_database", &self.managed_database)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "[REDACTED]"))
            .field("token_ttl", &self.token_ttl)
            .field("session_policy", &self.session_policy)
            .field("signup", &self.signup)
            .field("signup_max_per_ip", &self.signup_max_per_ip)
            .field("signup_window", &self.signup_window)
            .field("signin_max_failures", &self.signin_max_failures)
            .field("signin_window", &self.signin_window)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_queued_jobs", &self.max_queued_jobs)
            .field("request_rate", &self.request_rate)
            .field("share_rate", &self.share_rate)
            .field("webhook_retry_base", &self.webhook_retry_base)
            .field("schedule_min_interval", &self.schedule_min_interval)
            .field("max_stored_bytes", &self.max_stored_bytes)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("max_event_streams", &self.max_event_streams)
            .field("log_format", &self.log_format)
            .field("render", &self.render)
            .field("aws", &self.aws)
            .field("s3_presign_ttl", &self.s3_presign_ttl)
            .field("static_dir", &self.static_dir)
            .finish()
    }
}

/// `mysql://folio:secret@db/folio` → `mysql://folio:[REDACTED]@db/folio`.
pub fn redact_dsn(dsn: &str) -> String {
    let Some((scheme, rest)) = dsn.split_once("://") else {
        return dsn.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split_once(':').map_or(credentials, |(user, _)| user);
            format!("{scheme}://{user}:[REDACTED]@{host}")
        }
        None => dsn.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::read(&Env::new(move |name| vars.get(name).cloned()))
    }

    #[test]
    fn nothing_set_gives_the_embedded_default() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("data"));
        assert!(s.database_url.is_none() && s.jwt_secret.is_none());
        assert_eq!(s.session_policy, SessionPolicy::Multi);
        assert_eq!(s.signin_max_failures, 10);
        assert_eq!(s.signin_window, Duration::from_secs(300));
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_named() {
        for (name, value) in [
            (names::ADDR, "localhost"),
            (names::SESSION_POLICY, "sometimes"),
            (names::TOKEN_TTL, "0"),
            (names::TOKEN_TTL, "ten"),
            (names::TRUSTED_PROXIES, "10.0.0.0/8, nope"),
            (names::DATABASE_URL, "postgres://x"),
            (names::JWT_SECRET, "short"),
            (names::S3_PRESIGN_TTL, "604801"),
        ] {
            let err = settings(&[(name, value)])
                .err()
                .unwrap_or_else(|| panic!("{name}={value} accepted"));
            assert_eq!(err.name, name);
        }
    }

    #[test]
    fn proxies_accept_addresses_and_ranges() {
        let s = settings(&[(names::TRUSTED_PROXIES, "127.0.0.1, 10.0.0.0/8,::1")]).unwrap();
        assert_eq!(s.trusted_proxies.len(), 3);
    }

    #[test]
    fn debug_redacts_secrets() {
        let s = settings(&[
            (names::DATABASE_URL, "mysql://folio:hunter2@db:3306/folio"),
            (names::JWT_SECRET, "0123456789abcdef0123456789abcdef-secret"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("-secret"),
            "{shown}"
        );
        assert!(shown.contains("mysql://folio:[REDACTED]@db:3306/folio"));
        assert!(s.uses_mysql());
    }
}
