//! Random credentials (API keys, share tokens, webhook secrets) and the hash keys are kept as.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API key starts with this, so a key is told from a session token without a lookup,
/// and secret scanners can recognise one that leaked.
pub const API_KEY_PREFIX: &str = "folio_";

/// `prefix` and 256 random bits from the OS, URL-safe: at least the 128 bits that make
/// guessing hopeless, with room to spare.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// SHA-256, hex: a key carries 256 random bits, so a fast hash is as safe as a slow one and
/// lets every request verify a key with one indexed lookup.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_url_safe() {
        let (a, b) = (random_token(API_KEY_PREFIX), random_token(API_KEY_PREFIX));
        assert_ne!(a, b);
        assert!(a.starts_with("folio_") && a.len() == 6 + 43, "{a}");
        assert!(a[6..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(key_hash("abc").len(), 64);
        assert_ne!(key_hash(&a), a);
    }
}
