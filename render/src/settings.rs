//! The renderer's settings, read from the environment by whichever binary hosts it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use folio_core::settings::{self as names, SettingError};

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
    pub fn from_env() -> Result<Self, SettingError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let defaults = Self::default();
        let positive = |name: &'static str| -> Result<Option<u64>, SettingError> {
            lookup(name)
                .map(|value| match value.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(SettingError::new(
                        name,
                        &value,
                        "expected a whole number above zero",
                    )),
                })
                .transpose()
        };
        let allow_private = match lookup(names::RENDER_ALLOW_PRIVATE) {
            None => false,
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(SettingError::new(
                        names::RENDER_ALLOW_PRIVATE,
                        &value,
                        "expected true or false",
                    ))
                }
            },
        };
        let allowed_addrs = match lookup(names::RENDER_ALLOW_ADDRS) {
            None => Vec::new(),
            Some(value) => value
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(|entry| {
                    entry.parse::<SocketAddr>().map_err(|_| {
                        SettingError::new(
                            names::RENDER_ALLOW_ADDRS,
                            &value,
                            format!("{entry:?} is not ip:port"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Self {
            chrome_path: lookup(names::CHROME_PATH)
                .map(PathBuf::from)
                .unwrap_or(defaults.chrome_path),
            concurrency: positive(names::RENDER_CONCURRENCY)?.map_or(defaults.concurrency, |n| n as usize),
            timeout: positive(names::RENDER_TIMEOUT)?.map_or(defaults.timeout, Duration::from_secs),
            recycle_after: positive(names::RENDER_RECYCLE_AFTER)?.unwrap_or(defaults.recycle_after),
            allow_private,
            allowed_addrs,
            launch_mode: LaunchMode::detect(&lookup),
            max_pdf_bytes: positive(names::MAX_FILE_BYTES)?.unwrap_or(defaults.max_pdf_bytes),
            max_page_memory_mib: positive(names::RENDER_MAX_MEMORY_MB)?
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
        let defaults = RenderSettings::from_lookup(|_| None).unwrap();
        assert_eq!(defaults.timeout, Duration::from_secs(30));
        assert!(!defaults.allow_private && defaults.concurrency >= 1);
        let set = RenderSettings::from_lookup(|name| match name {
            "FOLIO_RENDER_TIMEOUT" => Some("5".into()),
            "FOLIO_RENDER_CONCURRENCY" => Some("4".into()),
            "FOLIO_RENDER_ALLOW_PRIVATE" => Some("true".into()),
            "FOLIO_RENDER_ALLOW_ADDRS" => Some("127.0.0.1:8000, [::1]:9000".into()),
            _ => None,
        })
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
            let err = RenderSettings::from_lookup(|n| (n == name).then(|| value.to_owned())).unwrap_err();
            assert_eq!(err.name, name);
        }
    }
}
