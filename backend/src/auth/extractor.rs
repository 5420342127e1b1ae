//! `AuthUser`: the caller of a request, from a bearer token that is valid and not revoked.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{now, sessions};

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub email: String,
    pub created_at: i64,
    /// The session this request came with, so sign-out and password changes can single it out.
    pub jti: Uuid,
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
        let claims = state.tokens.verify(token).map_err(|reason| {
            tracing::debug!(%reason, "token rejected");
            ApiError::Unauthorized("token failed verification")
        })?;
        let session = sessions::find(&state.db, claims.jti)
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
            jti: claims.jti,
        })
    }
}

fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
