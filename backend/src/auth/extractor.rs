//! `AuthUser`: the caller of a request, from a bearer token: a session token that is valid and
//! not revoked, or an API key that exists.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use uuid::Uuid;

use super::keys::{key_hash, API_KEY_PREFIX};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::store::{keys, now};

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub email: String,
    pub created_at: i64,
    pub credential: Credential,
}

/// What the request was authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session, by its token's `jti`.
    Session(Uuid),
    /// An API key, by its id.
    Key(Uuid),
}

impl AuthUser {
    /// The caller's session: what managing credentials and the account takes. A key cannot
    /// mint keys, change the password or delete the account, so a leaked key stays a leaked
    /// key and never becomes a lost account.
    pub fn session(&self) -> Result<Uuid, ApiError> {
        match self.credential {
            Credential::Session(jti) => Ok(jti),
            Credential::Key(_) => Err(ApiError::Forbidden {
                code: ErrorCode::SessionRequired,
                message: "this needs a signed-in session; an API key cannot do it".to_owned(),
            }),
        }
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized("no Authorization header"))?
            .to_str()
            .map_err(|_| ApiError::Unauthorized("Authorization header is not ASCII"))?;
        let token =
            bearer_token(header).ok_or(ApiError::Unauthorized("Authorization is not a Bearer token"))?;
        if token.starts_with(API_KEY_PREFIX) {
            return by_key(state, token).await;
        }
        let claims = state.tokens.verify(token).map_err(|reason| {
            tracing::debug!(%reason, "token rejected");
            ApiError::Unauthorized("token failed verification")
        })?;
        let session = state
            .sessions
            .find(&state.db, claims.jti)
            .await?
            .ok_or(ApiError::Unauthorized(
                "token was never issued or its user is gone",
            ))?;
        if session.revoked_at.is_some() {
            return Err(ApiError::Unauthorized("token was revoked"));
        }
        if now() > session.expires_at || session.user_id != claims.sub.to_string() {
            return Err(ApiError::Unauthorized(
                "session expired or belongs to another user",
            ));
        }
        Ok(Self {
            user_id: claims.sub,
            email: session.email,
            created_at: session.user_created_at,
            credential: Credential::Session(claims.jti),
        })
    }
}

async fn by_key(state: &AppState, key: &str) -> Result<AuthUser, ApiError> {
    let found = keys::find_by_hash(&state.db, &key_hash(key))
        .await?
        .ok_or(ApiError::Unauthorized("no such API key (revoked?)"))?;
    let parse = |id: &str| {
        id.parse::<Uuid>()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored id {id:?}: {e}")))
    };
    let now = now();
    if found.last_used_at.is_none_or(|at| at <= now - 60) {
        keys::touch(&state.db, &found.id, now).await?;
    }
    Ok(AuthUser {
        user_id: parse(&found.user_id)?,
        email: found.email,
        created_at: found.user_created_at,
        credential: Credential::Key(parse(&found.id)?),
    })
}

fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
