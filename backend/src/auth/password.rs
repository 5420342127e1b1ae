//! Argon2id hashing, off the async runtime.

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a request waits for a hashing slot before it is told to come back.
const SLOT_WAIT: Duration = Duration::from_secs(5);

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot stayed busy for a while: the caller should try again shortly.
    #[error("too many password checks at once")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Hashes and verifies passwords with Argon2id (OWASP's first choice, 19 MiB, 2 passes), at
/// most two per core at once: each takes 19 MiB, and unbounded they let anyone who can send
/// sign-ups take the server's memory.
#[derive(Clone)]
pub struct PasswordHasher {
    slots: Arc<Semaphore>,
    slot_wait: Duration,
    params: Params,
    /// Verified against when the account does not exist, so that a wrong email costs as much
    /// time as a wrong password and the response time reveals nothing.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new() -> anyhow::Result<Self> {
        let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut hasher = Self {
            slots: Arc::new(Semaphore::new(2 * cores)),
            slot_wait: SLOT_WAIT,
            params,
            dummy_hash: String::new(),
        };
        hasher.dummy_hash = hasher.hash_now("folio dummy password that matches no account")?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_now(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    }

    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, HashError> {
        match tokio::time::timeout(self.slot_wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(HashError::Busy),
        }
    }

    /// A PHC string (`$argon2id$v=19$…`) for storage.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let slot = self.slot().await?;
        let this = self.clone();
        let password = SecretString::from(password.to_owned());
        let hashed = tokio::task::spawn_blocking(move || {
            let hashed = this.hash_now(password.expose_secret());
            drop(slot);
            hashed
        })
        .await
        .context("password hashing task failed")??;
        Ok(hashed)
    }

    /// Whether `password` matches `stored`; `None` (no such account) burns the same time and fails.
    pub async fn verify(&self, stored: Option<String>, password: &str) -> Result<bool, HashError> {
        let slot = self.slot().await?;
        let this = self.clone();
        let password = SecretString::from(password.to_owned());
        let known_account = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matched = tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                tracing::error!("a stored password hash is not a valid PHC string");
                return false;
            };
            let matched = this
                .argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            drop(slot);
            matched
        })
        .await
        .context("password verification task failed")?;
        Ok(matched && known_account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_run_a_bounded_number_at_a_time_and_the_rest_are_turned_away() {
        let hasher = PasswordHasher {
            slots: Arc::new(Semaphore::new(1)),
            slot_wait: Duration::from_millis(1),
            ..PasswordHasher::new().unwrap()
        };
        let running: Vec<_> = (0..6)
            .map(|_| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash("a password to hash").await })
            })
            .collect();
        let mut busy = 0;
        for result in running {
            match result.await.unwrap() {
                Ok(hash) => assert!(hash.starts_with("$argon2id$")),
                Err(HashError::Busy) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(
            busy >= 1,
            "one slot cannot hash six passwords within a millisecond"
        );
        assert!(busy < 6, "the first one got its slot");
    }
}
