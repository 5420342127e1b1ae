//! Session tokens: HS256 JWTs whose `jti` is recorded in the database.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
}

pub struct IssuedToken {
    pub token: String,
    pub jti: Uuid,
    pub issued_at: i64,
    pub expires_at: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none` and algorithm-confusion tokens fail here.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    pub fn issue(&self, user_id: Uuid, now: i64) -> anyhow::Result<IssuedToken> {
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: user_id,
            jti: Uuid::now_v7(),
            iat: now,
            exp: now.saturating_add(ttl),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(IssuedToken {
            token,
            jti: claims.jti,
            issued_at: claims.iat,
            expires_at: claims.exp,
        })
    }

    /// Checks signature, algorithm and expiry; the reason is for the debug log only.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| e.to_string())
    }
}
