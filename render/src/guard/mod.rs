//! The SSRF guard: which addresses a render may reach.
//!
//! A page URL is only a name; what matters is the address a connection finally goes to. So the
//! guard resolves each host once, checks every address, and hands back the one address the
//! caller must connect to. Connecting anywhere else (resolving again, as Chromium would) would
//! reopen the door to DNS rebinding, which is why Chromium is made to go through
//! [`crate::proxy`] for everything.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

mod classify;
pub use classify::classify;

/// Why an address may not be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub host: String,
    pub addr: IpAddr,
    pub reason: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let literal = self
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok();
        // A name's addresses are not repeated back: in a cluster that would map internal
        // services for whoever asks. A literal address is the caller's own words.
        if literal {
            write!(f, "{} is {}", self.host, self.reason)
        } else {
            write!(f, "{} does not resolve to a public address", self.host)
        }
    }
}

impl std::error::Error for Refused {}

impl Refused {
    /// A word for what was refused, for counting refusals by kind (never an address).
    pub fn kind(&self) -> &'static str {
        let reason = self.reason.as_str();
        [
            ("form of", "disguised"),
            ("metadata", "metadata"),
            ("loopback", "loopback"),
            ("private", "private"),
            ("link-local", "link_local"),
            ("multicast", "multicast"),
        ]
        .into_iter()
        .find(|(words, _)| reason.contains(words))
        .map_or("reserved", |(_, kind)| kind)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error("could not resolve {host}: {reason}")]
    Unresolvable { host: String, reason: String },
}

/// Turns a host name into addresses. Swappable so tests can stand a loopback server in for a
/// public host without sending traffic anywhere else.
pub trait Resolve: Send + Sync + 'static {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>>;
}

/// The system resolver.
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
    }
}

/// The policy every fetch of a render goes through.
#[derive(Clone)]
pub struct Guard {
    allow_private: bool,
    /// Exact socket addresses let through despite their class: how tests serve a "public" page
    /// from 127.0.0.1 while every other loopback port stays forbidden.
    allowed: Arc<Vec<SocketAddr>>,
    resolver: Arc<dyn Resolve>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("allow_private", &self.allow_private)
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

impl Default for Guard {
    fn default() -> Self {
        Self::strict()
    }
}

impl Guard {
    /// Public addresses only: the default everywhere.
    pub fn strict() -> Self {
        Self {
            allow_private: false,
            allowed: Arc::new(Vec::new()),
            resolver: Arc::new(SystemResolver),
        }
    }

    /// No address checks at all (`FOLIO_RENDER_ALLOW_PRIVATE=true`), for local use and tests.
    pub fn allow_private() -> Self {
        Self {
            allow_private: true,
            ..Self::strict()
        }
    }

    pub fn with_allowed_addrs(mut self, allowed: Vec<SocketAddr>) -> Self {
        self.allowed = Arc::new(allowed);
        self
    }

    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Checks one address; `host` is only for the message.
    pub fn check(&self, host: &str, addr: SocketAddr) -> Result<(), Refused> {
        if self.allow_private || self.allowed.contains(&addr) {
            return Ok(());
        }
        classify(addr.ip()).map_err(|reason| {
            let refused = Refused {
                host: host.to_owned(),
                addr: addr.ip(),
                reason,
            };
            metrics::counter!(folio_core::metrics::GUARD_REFUSALS, "reason" => refused.kind()).increment(1);
            refused
        })
    }

    /// Resolves `host` once and returns the address to connect to. If any address the name
    /// resolves to is forbidden the whole name is refused: a name that mixes public and private
    /// addresses is a rebinding setup, not a website.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<SocketAddr, GuardError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => self
                .resolver
                .resolve(bare, port)
                .await
                .map_err(|e| GuardError::Unresolvable {
                    host: host.to_owned(),
                    reason: e.to_string(),
                })?,
        };
        let Some(first) = addrs.first().copied() else {
            return Err(GuardError::Unresolvable {
                host: host.to_owned(),
                reason: "no addresses".to_owned(),
            });
        };
        for addr in &addrs {
            self.check(host, *addr)?;
        }
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        classify(ip.parse().unwrap()).is_err()
    }

    #[test]
    fn forbidden_ipv4_ranges() {
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
        assert_eq!(
            classify("169.254.169.254".parse().unwrap()),
            Err("the cloud instance metadata address".to_owned())
        );
        let mapped = classify("::ffff:127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!(mapped, "a loopback address (IPv4-mapped form of 127.0.0.1)");
    }

    #[test]
    fn forbidden_ipv6_ranges_and_disguised_ipv4() {
        for ip in [
            "::",
            "::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "::ffff:0:a9fe:a9fe",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2002:c0a8:101::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.215.14",
            "1.1.1.1",
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:81c::200e",
            "::ffff:93.184.215.14",
            "64:ff9b::5db8:d70e",
            "2002:5db8:d70e::1",
        ] {
            assert!(
                !refused(ip),
                "{ip} should be allowed: {:?}",
                classify(ip.parse().unwrap())
            );
        }
    }

    struct FixedResolver(Vec<SocketAddr>);

    impl Resolve for FixedResolver {
        fn resolve<'a>(
            &'a self,
            _host: &'a str,
            _port: u16,
        ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send + 'a>> {
            Box::pin(async move { Ok(self.0.clone()) })
        }
    }

    #[tokio::test]
    async fn names_are_refused_when_any_address_is_forbidden() {
        let public: SocketAddr = "93.184.215.14:80".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:80".parse().unwrap();
        let guard = Guard::strict().with_resolver(Arc::new(FixedResolver(vec![public])));
        assert_eq!(guard.resolve("example.com", 80).await.unwrap(), public);

        let guard = Guard::strict().with_resolver(Arc::new(FixedResolver(vec![public, private])));
        let err = guard.resolve("rebind.example", 80).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "rebind.example does not resolve to a public address",
            "the internal address and its kind are not told to the caller"
        );

        let err = Guard::strict().resolve("[::1]", 80).await.unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        let err = Guard::strict().resolve("169.254.169.254", 80).await.unwrap_err();
        assert!(err.to_string().contains("metadata"), "{err}");
    }

    #[tokio::test]
    async fn allow_list_and_allow_private_open_exact_holes() {
        let served: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let guard = Guard::strict().with_allowed_addrs(vec![served]);
        assert!(guard.resolve("127.0.0.1", 4000).await.is_ok());
        assert!(guard.resolve("127.0.0.1", 4001).await.is_err(), "only that port");
        assert!(Guard::allow_private().resolve("127.0.0.1", 4001).await.is_ok());
    }
}
