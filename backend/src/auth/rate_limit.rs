//! Counts failed sign-ins per client address and per account in a sliding window.
//!
//! Only failures count, so a user who types their password right is never slowed down, while a
//! guesser is stopped after `max_failures` whichever address or account they rotate.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked keys, stale ones are dropped before a new one is added.
const PRUNE_ABOVE: usize = 10_000;

pub struct FailureLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures: max_failures as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when any of `keys` has used up its failures.
    pub fn check(&self, keys: &[&str]) -> Result<(), u64> {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut wait = Duration::ZERO;
        for key in keys {
            if let Some(times) = failures.get_mut(*key) {
                self.forget_old(times, now);
                if times.len() >= self.max_failures {
                    let oldest_relevant = times[times.len() - self.max_failures];
                    wait = wait.max(self.window.saturating_sub(now - oldest_relevant));
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            // Round up so a client that waits exactly Retry-After is let through.
            Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        }
    }

    pub fn record_failure(&self, keys: &[&str]) {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| times.back().is_some_and(|last| now - *last < self.window));
        }
        for key in keys {
            let times = failures.entry((*key).to_owned()).or_default();
            self.forget_old(times, now);
            times.push_back(now);
        }
    }

    pub fn clear(&self, key: &str) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(key);
    }

    fn forget_old(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times.front().is_some_and(|first| now - *first >= self.window) {
            times.pop_front();
        }
        // Only the newest `max_failures` matter for the decision.
        while times.len() > self.max_failures.max(1) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_on_any_key_and_forgets_after_the_window() {
        let limiter = FailureLimiter::new(3, Duration::from_millis(200));
        for _ in 0..3 {
            assert!(limiter.check(&["ip:a", "acct:x"]).is_ok());
            limiter.record_failure(&["ip:a", "acct:x"]);
        }
        let wait = limiter.check(&["ip:b", "acct:x"]).unwrap_err();
        assert_eq!(wait, 1, "a sub-second wait rounds up to one second");
        assert!(
            limiter.check(&["ip:a", "acct:y"]).is_err(),
            "the address is blocked too"
        );
        assert!(limiter.check(&["ip:b", "acct:y"]).is_ok(), "others are not");
        std::thread::sleep(Duration::from_millis(250));
        assert!(limiter.check(&["ip:a", "acct:x"]).is_ok());
    }

    #[test]
    fn clearing_an_account_lifts_its_block() {
        let limiter = FailureLimiter::new(1, Duration::from_secs(60));
        limiter.record_failure(&["acct:x"]);
        assert!(limiter.check(&["acct:x"]).is_err());
        limiter.clear("acct:x");
        assert!(limiter.check(&["acct:x"]).is_ok());
    }
}
