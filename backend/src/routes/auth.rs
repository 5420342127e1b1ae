//! Accounts and sessions: sign-up, sign-in, sign-out, the current user, password change.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use base64::Engine;
use folio_core::{Email, Password};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::rfc3339;
use crate::auth::AuthUser;
use crate::config::{SessionPolicy, SignupPolicy};
use crate::error::{ApiError, ErrorCode, ResultExt};
use crate::extract::{parse_json, ApiJson, ClientIp};
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::{now, sessions, users};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(me, delete_account))
        .routes(routes!(change_password))
}

/// A user as the API shows it: never a hash, never a token.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub created_at: String,
}

impl UserView {
    fn new(id: impl ToString, email: impl Into<String>, created_at: i64) -> Self {
        Self {
            id: id.to_string(),
            email: email.into(),
            created_at: rfc3339(created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub token: String,
    /// Always `Bearer`.
    #[schema(value_type = String)]
    pub token_type: &'static str,
    pub expires_at: String,
    pub user: UserView,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Credentials {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(min_length = 8, max_length = 1024)]
    password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    #[schema(min_length = 8, max_length = 1024)]
    new_password: String,
}

#[utoipa::path(post, path = "/auth/sign-up", tag = "auth", request_body = Credentials,
    responses(
        (status = 201, description = "Account created", body = UserView),
        (status = 403, description = "Sign-up is closed (`signup_closed`)", body = ErrorResponse),
        (status = 409, description = "The email is taken (`email_taken`)", body = ErrorResponse),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 422, description = "Invalid email or password; `field` names which", body = ErrorResponse),
        (status = 429, description = "This address created `FOLIO_SIGNUP_MAX_PER_IP` accounts within `FOLIO_SIGNUP_WINDOW` (`rate_limited`); see `Retry-After`", body = ErrorResponse),
        (status = 503, description = "Too many password checks at once (`unavailable`); see `Retry-After`", body = ErrorResponse),
    ))]
async fn sign_up(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    if state.settings.signup == SignupPolicy::Closed {
        return Err(ApiError::Forbidden {
            code: ErrorCode::SignupClosed,
            message: "sign-up is closed on this server; ask its administrator for an account".to_owned(),
        });
    }
    let email = Email::parse(&body.email)?;
    let password = Password::parse("password", body.password)?;
    // Counted before the slow part, so parallel sign-ups cannot all pass; given back if no
    // account comes of it.
    let counted = state
        .signups
        .reserve(&[&format!("ip:{ip}")])
        .map_err(|retry_after_secs| ApiError::TooManySignUps { retry_after_secs })?;
    let id = Uuid::now_v7();
    let created_at = now();
    let created = async {
        let hash = state.hasher.hash(password.expose()).await?;
        users::insert(&state.db, id, email.as_str(), &hash, created_at)
            .await
            .on_unique_violation(|| ApiError::Conflict {
                code: ErrorCode::EmailTaken,
                message: "an account with this email already exists".to_owned(),
            })
    }
    .await;
    state.signups.settle(counted, created.is_ok());
    created?;
    tracing::info!(user_id = %id, "account created");
    Ok((
        StatusCode::CREATED,
        Json(UserView::new(id, email.as_str(), created_at)),
    ))
}

#[utoipa::path(post, path = "/auth/sign-in", tag = "auth", request_body = Credentials,
    responses(
        (status = 200, description = "Signed in; the token goes in `Authorization: Bearer`", body = SessionView),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 422, description = "A body with fields other than `email` and `password` (`invalid_input`)", body = ErrorResponse),
        (status = 401, description = "Wrong email or password", body = ErrorResponse),
        (status = 429, description = "Too many failed attempts; see `Retry-After`", body = ErrorResponse),
        (status = 503, description = "Too many password checks at once (`unavailable`); see `Retry-After`", body = ErrorResponse),
    ))]
/// Accepts `{"email","password"}` or HTTP Basic credentials, so `curl -u` works as well.
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SessionView>, ApiError> {
    let body = body?;
    let credentials = match basic_credentials(&headers)? {
        Some(credentials) => credentials,
        None => parse_json::<Credentials>(&body)?,
    };
    // A malformed address cannot have an account; it is still verified against the dummy hash
    // below so that the answer takes the same time as for any other wrong credentials.
    let account = Email::parse(&credentials.email)
        .map(|email| email.as_str().to_owned())
        .unwrap_or_else(|_| credentials.email.trim().to_lowercase());
    // Failures count per address, and per account *from that address*: a guesser elsewhere
    // cannot lock the owner out of their own account.
    let ip_key = format!("ip:{ip}");
    let account_key = format!("account:{account}@{ip}");
    // Counted as a failure before the password is checked, so that however many arrive at
    // once, at most the limit are ever checked; a right password gives it back.
    let attempt = state
        .limiter
        .reserve(&[&ip_key, &account_key])
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;

    let checked = async {
        let user = users::find_by_email(&state.db, &account).await?;
        let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
        let matched = state.hasher.verify(stored_hash, &credentials.password).await?;
        Ok::<_, ApiError>(user.filter(|_| matched))
    }
    .await;
    // Only a wrong password counts; an error is no answer about the password.
    state.limiter.settle(attempt, matches!(checked, Ok(None)));
    let Some(user) = checked? else {
        tracing::info!(%ip, "sign-in failed");
        return Err(ApiError::InvalidCredentials);
    };
    state.limiter.clear(&account_key);

    let user_id: Uuid = user.id.parse().map_err(anyhow::Error::new)?;
    let now = now();
    sessions::delete_expired_for_user(&state.db, user_id, now).await?;
    if state.settings.session_policy == SessionPolicy::Single {
        let revoked = sessions::revoke_all_for_user(&state.db, user_id, None, now).await?;
        state.sessions.forget_all();
        tracing::debug!(revoked, "single-session policy revoked older tokens");
    }
    let issued = state.tokens.issue(user_id, now)?;
    sessions::insert(
        &state.db,
        issued.jti,
        user_id,
        issued.issued_at,
        issued.expires_at,
    )
    .await?;
    tracing::info!(%user_id, "signed in");
    Ok(Json(SessionView {
        token: issued.token,
        token_type: "Bearer",
        expires_at: rfc3339(issued.expires_at),
        user: UserView::new(user_id, user.email, user.created_at),
    }))
}

/// `Some` when the request carries `Authorization: Basic …`; a malformed one is a 400.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<Credentials>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || ApiError::BadRequest("malformed HTTP Basic credentials".to_owned());
    let value = value.to_str().map_err(|_| malformed())?.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (email, password) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok(Some(Credentials {
        email: email.to_owned(),
        password: password.to_owned(),
    }))
}

#[utoipa::path(post, path = "/auth/sign-out", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "The token is revoked"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 403, description = "Authenticated by an API key, which signing out cannot end: revoke the key instead (`session_required`)", body = ErrorResponse),
    ))]
async fn sign_out(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
    sessions::revoke(&state.db, user.session()?, now()).await?;
    state.sessions.forget_all();
    tracing::info!(user_id = %user.user_id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    pub usage: UsageView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageView {
    pub queued_jobs: u64,
    pub max_queued_jobs: u64,
    pub stored_bytes: u64,
    pub max_stored_bytes: u64,
}

#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user and their usage against the limits", body = MeView),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
    ))]
/// The current user, with what they use against their limits.
async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<MeView>, ApiError> {
    let usage = state.ports.index.usage(user.user_id).await?;
    Ok(Json(MeView {
        user: UserView::new(user.user_id, user.email, user.created_at),
        usage: UsageView {
            queued_jobs: usage.pending_jobs,
            max_queued_jobs: state.settings.max_queued_jobs,
            stored_bytes: usage.stored_bytes,
            max_stored_bytes: state.settings.max_stored_bytes,
        },
    }))
}

#[utoipa::path(delete, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "The account, its sessions, keys, share links, webhooks and all its files are deleted"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 403, description = "Authenticated by an API key: this needs a signed-in session (`session_required`)", body = ErrorResponse),
        (status = 503, description = "A file could not be deleted; the account stays, with the files not yet deleted, to try again", body = ErrorResponse),
    ))]
/// Deletes the account with all its files and sessions.
async fn delete_account(State(state): State<AppState>, user: AuthUser) -> Result<StatusCode, ApiError> {
    user.session()?;
    // Files first, then the user row, whose removal cascades to sessions. A file that cannot
    // be deleted stops it: the account stays, with what is left listed, to try again.
    crate::library::delete_account_files(&state, user.user_id).await?;
    users::delete(&state.db, user.user_id).await?;
    state.sessions.forget_all();
    tracing::info!(user_id = %user.user_id, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every other session is revoked"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 403, description = "The current password is wrong (`wrong_password`), or authenticated by an API key: this needs a signed-in session (`session_required`)", body = ErrorResponse),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 422, description = "The new password is not acceptable", body = ErrorResponse),
    ))]
/// Requires the current password; every other session of the user is revoked.
async fn change_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    user: AuthUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let jti = user.session()?;
    let new_password = Password::parse("new_password", body.new_password)?;
    // A stolen token must not become a way to guess the password without limit.
    let ip_key = format!("ip:{ip}");
    let account_key = format!("account:{}@{ip}", user.email);
    let attempt = state
        .limiter
        .reserve(&[&ip_key, &account_key])
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let checked = async {
        let stored = users::find_by_id(&state.db, user.user_id)
            .await?
            .ok_or(ApiError::Unauthorized("user no longer exists"))?;
        Ok::<_, ApiError>(
            state
                .hasher
                .verify(Some(stored.password_hash), &body.current_password)
                .await?,
        )
    }
    .await;
    state.limiter.settle(attempt, matches!(checked, Ok(false)));
    if !checked? {
        return Err(ApiError::Forbidden {
            code: ErrorCode::WrongPassword,
            message: "current_password is not the account's password".to_owned(),
        });
    }
    let hash = state.hasher.hash(new_password.expose()).await?;
    let now = now();
    users::set_password_hash(&state.db, user.user_id, &hash, now).await?;
    let revoked = sessions::revoke_all_for_user(&state.db, user.user_id, Some(jti), now).await?;
    state.sessions.forget_all();
    tracing::info!(user_id = %user.user_id, revoked, "password changed");
    Ok(StatusCode::NO_CONTENT)
}
