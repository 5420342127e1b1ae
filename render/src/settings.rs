//! The renderer's settings, read from the environment by whichever binary hosts it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use folio_core::settings::{self as names, Env, SettingError};

use crate::chromium::LaunchMode;
use crate::Guard;

#[derive(Debug, Clone)]
pub struct RenderSettings {
    pub chrome_path: PathBuf,
    pub concurrency: usize,
    pub timeout: Duration,
    pub recycle_after: u64,
    /// Turns the SSRF guard off; never in production.
    pub allow_private: bool,
    /// Exact addresses exempt from the guard (how tests serve "public" pages on loopback).
    pub allowed_addrs: Vec<SocketAddr>,
    /// How Chromium is started: Lambda's way only under a Lambda runtime.
    pub launch_mode: LaunchMode,
    /// Largest PDF a render may produce (`FOLIO_MAX_FILE_BYTES`): a page that prints more is
    /// stopped there, so no render holds more than this of its output in memory.
    pub max_pdf_bytes: u64,
    /// Resident memory, in MiB, one page's renderer process may take before it is stopped
    /// and its job fails (`FOLIO_RENDER_MAX_MEMORY_MB`).
    pub max_page_memory_mib: u64,
}

impl Default for RenderSettings {
    fn default() -> Self {
        Self {
            chrome_path: PathBuf::from("/usr/bin/chromium"),
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            timeout: Duration::from_secs(30),
            recycle_after: 500,
            allow_private: false,
            allowed_addrs: Vec::new(),
            launch_mode: LaunchMode::Server,
            max_pdf_bytes: names::DEFAULT_MAX_FILE_BYTES,
            max_page_memory_mib: 1024,
        }
    }
}

impl RenderSettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let defaults = Self::default();
        let allowed_addrs = env.list(names::RENDER_ALLOW_ADDRS, |entry| {
            entry
                .parse::<SocketAddr>()
                .map_err(|_| format!("{entry:?} is not ip:port"))
        })?;
        Ok(Self {
            chrome_path: env
                .text(names::CHROME_PATH)
                .map_or(defaults.chrome_path, PathBuf::from),
            concurrency: env
                .positive(names::RENDER_CONCURRENCY)?
                .map_or(defaults.concurrency, |n| n as usize),
            timeout: env.seconds(names::RENDER_TIMEOUT)?.unwrap_or(defaults.timeout),
            recycle_after: env
                .positive(names::RENDER_RECYCLE_AFTER)?
                .unwrap_or(defaults.recycle_after),
            allow_private: env.flag(names::RENDER_ALLOW_PRIVATE)?.unwrap_or(false),
            allowed_addrs,
            launch_mode: LaunchMode::detect(env),
            max_pdf_bytes: env
                .positive(names::MAX_FILE_BYTES)?
                .unwrap_or(defaults.max_pdf_bytes),
            max_page_memory_mib: env
                .positive(names::RENDER_MAX_MEMORY_MB)?
                .unwrap_or(defaults.max_page_memory_mib),
        })
    }

    pub fn guard(&self) -> Guard {
        if self.allow_private {
            tracing::warn!(
                "FOLIO_RENDER_ALLOW_PRIVATE is on: renders may reach private and loopback addresses"
            );
            Guard::allow_private()
        } else {
            Guard::strict().with_allowed_addrs(self.allowed_addrs.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let defaults = RenderSettings::read(&Env::new(|_| None)).unwrap();
        assert_eq!(defaults.timeout, Duration::from_secs(30));
        assert!(!defaults.allow_private && defaults.concurrency >= 1);
        let set = RenderSettings::read(&Env::new(|name| match name {
            "FOLIO_RENDER_TIMEOUT" => Some("5".into()),
            "FOLIO_RENDER_CONCURRENCY" => Some("4".into()),
            "FOLIO_RENDER_ALLOW_PRIVATE" => Some("true".into()),
            "FOLIO_RENDER_ALLOW_ADDRS" => Some("127.0.0.1:8000, [::1]:9000".into()),
            _ => None,
        }))
        .unwrap();
        assert_eq!(set.timeout, Duration::from_secs(5));
        assert_eq!(set.concurrency, 4);
        assert!(set.allow_private);
        assert_eq!(set.allowed_addrs.len(), 2);
        for (name, value) in [
            ("FOLIO_RENDER_TIMEOUT", "0"),
            ("FOLIO_RENDER_CONCURRENCY", "many"),
            ("FOLIO_RENDER_ALLOW_PRIVATE", "maybe"),
            ("FOLIO_RENDER_ALLOW_ADDRS", "localhost"),
        ] {
            let err = RenderSettings::read(&Env::new(|n| (n == name).then(|| value.to_owned()))).unwrap_err();
            assert_eq!(err.name, name);
        }
    }
}
