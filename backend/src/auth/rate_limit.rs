//! Counts events (failed sign-ins, sign-ups) per key in a sliding window.
//!
//! An attempt is *reserved* before the slow work it guards (a password check, creating an
//! account) and counted at once; it is released again if it turns out not to count (the password
//! was right, the account was not created). So however many requests arrive together, at most
//! `max` of them per key are ever let through to the slow work: a check-then-record limiter
//! lets every parallel request past the check before the first one records.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many tracked keys, stale ones are dropped before a new one is added.
const PRUNE_ABOVE: usize = 10_000;

pub struct WindowLimiter {
    max: usize,
    window: Duration,
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// An attempt counted against its keys until it is released.
#[must_use = "release it if the attempt turns out not to count"]
pub struct Reservation {
    keys: Vec<String>,
    at: Instant,
}

impl WindowLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: max as usize,
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt against every key, or `Err(seconds to wait)` when any key has used up
    /// its window; checked and counted under one lock.
    pub fn reserve(&self, keys: &[&str]) -> Result<Reservation, u64> {
        let now = Instant::now();
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut wait = Duration::ZERO;
        for key in keys {
            if let Some(times) = events.get_mut(*key) {
                self.forget_old(times, now);
                if times.len() >= self.max {
                    let oldest_relevant = times[times.len() - self.max];
                    wait = wait.max(self.window.saturating_sub(now - oldest_relevant));
                }
            }
        }
        if !wait.is_zero() || self.max == 0 {
            // Round up so a client that waits exactly Retry-After is let through.
            let wait = wait.max(Duration::from_secs(1));
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        if events.len() > PRUNE_ABOVE {
            events.retain(|_, times| times.back().is_some_and(|last| now - *last < self.window));
        }
        for key in keys {
            events.entry((*key).to_owned()).or_default().push_back(now);
        }
        Ok(Reservation {
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            at: now,
        })
    }

    /// Keeps the attempt counted if it `counts` (a wrong password, an account created), gives
    /// it back otherwise (a right password, or no answer at all).
    pub fn settle(&self, reservation: Reservation, counts: bool) {
        if !counts {
            self.release(reservation);
        }
    }

    /// The attempt did not count after all.
    pub fn release(&self, reservation: Reservation) {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for key in &reservation.keys {
            if let Some(times) = events.get_mut(key) {
                if let Some(i) = times.iter().position(|at| *at == reservation.at) {
                    times.remove(i);
                }
            }
        }
    }

    /// Forgets everything counted against `key`.
    pub fn clear(&self, key: &str) {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        events.remove(key);
    }

    fn forget_old(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times.front().is_some_and(|first| now - *first >= self.window) {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_on_any_key_and_forgets_after_the_window() {
        let limiter = WindowLimiter::new(3, Duration::from_millis(200));
        for _ in 0..3 {
            let _counted = limiter.reserve(&["ip:a", "acct:x"]).unwrap();
        }
        let wait = limiter.reserve(&["ip:b", "acct:x"]).err().unwrap();
        assert_eq!(wait, 1, "a sub-second wait rounds up to one second");
        assert!(
            limiter.reserve(&["ip:a", "acct:y"]).is_err(),
            "the address is blocked too"
        );
        assert!(limiter.reserve(&["ip:b", "acct:y"]).is_ok(), "others are not");
        std::thread::sleep(Duration::from_millis(250));
        assert!(limiter.reserve(&["ip:a", "acct:x"]).is_ok());
    }

    #[test]
    fn a_released_attempt_does_not_count_and_parallel_ones_never_exceed_the_limit() {
        let limiter = std::sync::Arc::new(WindowLimiter::new(10, Duration::from_secs(60)));
        let granted: usize = (0..40)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || limiter.reserve(&["ip:a"]).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(granted, 10);
        let other = WindowLimiter::new(1, Duration::from_secs(60));
        let attempt = other.reserve(&["k"]).unwrap();
        other.release(attempt);
        assert!(other.reserve(&["k"]).is_ok());
        assert!(other.reserve(&["k"]).is_err());
        other.clear("k");
        assert!(other.reserve(&["k"]).is_ok());
    }
}
