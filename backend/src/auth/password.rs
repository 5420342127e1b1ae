//! Argon2id hashing, off the async runtime.

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

/// Hashes and verifies passwords with Argon2id (OWASP's first choice, 19 MiB, 2 passes).
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Verified against when the account does not exist, so that a wrong email costs as much
    /// time as a wrong password and the response time reveals nothing.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new() -> anyhow::Result<Self> {
        let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
        let mut hasher = Self {
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

    /// A PHC string (`$argon2id$v=19$…`) for storage.
    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let this = self.clone();
        let password = SecretString::from(password.to_owned());
        tokio::task::spawn_blocking(move || this.hash_now(password.expose_secret()))
            .await
            .context("password hashing task failed")?
    }

    /// Whether `password` matches `stored`; `None` (no such account) burns the same time and fails.
    pub async fn verify(&self, stored: Option<String>, password: &str) -> anyhow::Result<bool> {
        let this = self.clone();
        let password = SecretString::from(password.to_owned());
        let known_account = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.clone());
        let matched = tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                tracing::error!("a stored password hash is not a valid PHC string");
                return false;
            };
            this.argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok()
        })
        .await
        .context("password verification task failed")?;
        Ok(matched && known_account)
    }
}
