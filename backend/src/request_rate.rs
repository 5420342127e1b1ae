//! `FOLIO_REQUEST_RATE`: how fast one user may ask for renders. Reads (listing, downloading)
//! are never throttled per user; asking for work is, so one script cannot fill the queue for
//! everyone. A token bucket per user (governor's GCRA): a burst, refilled at a steady rate.
//! The same limiter, keyed by client address, holds back share-link guessing
//! (`FOLIO_SHARE_RATE`).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

/// Requests per second a user may sustain, and the burst they may send at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Default for RequestRate {
    /// Never in the way of a benchmark or a batch of links: 100 at once, 10 a second after.
    fn default() -> Self {
        Self {
            per_second: NonZeroU32::new(10).expect("not zero"),
            burst: NonZeroU32::new(100).expect("not zero"),
        }
    }
}

impl std::str::FromStr for RequestRate {
    type Err = String;

    /// `per_second` or `per_second,burst` (the burst defaults to ten seconds' worth).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = || "expected requests per second, optionally with a burst: 10 or 10,100".to_owned();
        let number = |text: &str| text.trim().parse::<NonZeroU32>().map_err(|_| expected());
        let (per_second, burst) = match s.split_once(',') {
            Some((rate, burst)) => (number(rate)?, number(burst)?),
            None => {
                let rate = number(s)?;
                (rate, rate.saturating_mul(NonZeroU32::new(10).expect("not zero")))
            }
        };
        Ok(Self { per_second, burst })
    }
}

/// A wait as `Retry-After` says it: whole seconds, rounded up, so a client that waits as told
/// is let in.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Every 10,000th check forgets users whose buckets are full again, so the map stays small.
const FORGET_EVERY: u64 = 10_000;

/// Render requests, per user.
pub type RequestLimiter = KeyedLimiter<Uuid>;
/// Share-link opens, per client address.
pub type ShareLimiter = KeyedLimiter<IpAddr>;

pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    pub fn new(rate: RequestRate) -> Self {
        let quota = Quota::per_second(rate.per_second).allow_burst(rate.burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one request from `key`'s bucket, or says how long until one is there.
    pub fn check(&self, key: K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_with_and_without_a_burst() {
        let rate: RequestRate = "5".parse().unwrap();
        assert_eq!((rate.per_second.get(), rate.burst.get()), (5, 50));
        let rate: RequestRate = " 2 , 3 ".parse().unwrap();
        assert_eq!((rate.per_second.get(), rate.burst.get()), (2, 3));
        for bad in ["", "0", "fast", "1,0", "-1"] {
            assert!(bad.parse::<RequestRate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_burst_passes_then_waits_and_users_are_apart() {
        let limiter = RequestLimiter::new("1,3".parse().unwrap());
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(limiter.check(alice).is_ok());
        }
        let wait = limiter.check(alice).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            limiter.check(bob).is_ok(),
            "another user has a bucket of their own"
        );
    }
}
