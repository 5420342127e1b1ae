//! View links: a short-lived URL that shows one PDF in a browser tab, which cannot send the
//! session's bearer token. Stateless HS256 JWTs under a key of their own, derived from the
//! server secret, so a view link can never pass for a session token nor the reverse.

use std::time::Duration;

use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

/// Long enough for the browser's PDF viewer to fetch the document (it may ask for ranges
/// while the user scrolls), short enough that a link left in history soon stops working.
pub const VIEW_LINK_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Serialize, Deserialize)]
pub struct ViewClaims {
    /// The owner.
    pub sub: Uuid,
    pub file: Uuid,
    pub exp: i64,
}

pub struct ViewKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl ViewKeys {
    pub fn new(secret: &SecretString) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.expose_secret().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(b"folio view link v1");
        let key = mac.finalize().into_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        }
    }

    pub fn issue(&self, owner: Uuid, file: Uuid, now: i64) -> anyhow::Result<(String, i64)> {
        let exp = now.saturating_add(VIEW_LINK_TTL.as_secs() as i64);
        let claims = ViewClaims {
            sub: owner,
            file,
            exp,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, exp))
    }

    /// The claims of a link this server issued and that has not expired.
    pub fn verify(&self, token: &str) -> Option<ViewClaims> {
        jsonwebtoken::decode::<ViewClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_link_is_not_a_session_token_nor_the_reverse() {
        let secret = SecretString::from("a secret long enough for the test".to_owned());
        let views = ViewKeys::new(&secret);
        let sessions = super::super::TokenKeys::new(&secret, Duration::from_secs(60));
        let (owner, file) = (Uuid::now_v7(), Uuid::now_v7());
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (link, _) = views.issue(owner, file, now).unwrap();
        let claims = views.verify(&link).unwrap();
        assert_eq!((claims.sub, claims.file), (owner, file));
        assert!(sessions.verify(&link).is_err());
        let session = sessions.issue(owner, now).unwrap();
        assert!(views.verify(&session.token).is_none());
        let (stale, _) = views.issue(owner, file, now - 3600).unwrap();
        assert!(views.verify(&stale).is_none());
    }
}
