//! Share links: a done file opened by anyone holding its link, without an account, until the
//! link expires, is revoked or the file is deleted.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use folio_core::jobs::names;
use folio_core::{FileRecord, FileStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::files::{disposition, file_response, open_file};
use super::{path_id, rfc3339};
use crate::auth::keys::random_token;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{parse_json, ClientIp};
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::now;
use crate::store::shares::{self, ShareRow};

const DEFAULT_EXPIRES_IN: u64 = 7 * 24 * 60 * 60;
const MAX_EXPIRES_IN: u64 = 30 * 24 * 60 * 60;

/// The routes under `/api/v1`, for the file's owner.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_share))
        .routes(routes!(list_shares))
        .routes(routes!(revoke_share))
}

/// `/s/{token}`, for anyone with the link.
pub fn public_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(open_share))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
struct NewShare {
    /// Seconds the link works, 1 to 2592000 (30 days); default 604800 (7 days).
    #[schema(minimum = 1, maximum = 2592000)]
    expires_in: Option<u64>,
}

#[derive(Serialize, ToSchema)]
struct ShareView {
    id: Uuid,
    /// The link's path, to append to this server's address: `/s/{token}`.
    url: String,
    created_at: String,
    expires_at: String,
}

#[derive(Serialize, ToSchema)]
struct ShareList {
    /// The file's links that still work, newest first.
    shares: Vec<ShareView>,
}

impl From<ShareRow> for ShareView {
    fn from(row: ShareRow) -> Self {
        Self {
            id: row.id.parse().unwrap_or_default(),
            url: format!("/s/{}", row.token),
            created_at: rfc3339(row.created_at),
            expires_at: rfc3339(row.expires_at),
        }
    }
}

async fn owned_file(state: &AppState, owner: Uuid, raw: &str) -> Result<FileRecord, ApiError> {
    state
        .ports
        .index
        .get(owner, path_id(raw)?)
        .await?
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(post, path = "/file/{id}/share", tag = "sharing", security(("bearer" = [])), request_body(content = Option<NewShare>),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 201, description = "A new link to the file", body = ShareView),
        (status = 400, description = "A body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
        (status = 409, description = "The file is not done (`not_ready`)", body = ErrorResponse),
        (status = 422, description = "`expires_in` out of range", body = ErrorResponse),
    ))]
async fn create_share(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ShareView>), ApiError> {
    // The body is optional: no body means the default expiry.
    let body = body?;
    let body: NewShare = match body.iter().all(u8::is_ascii_whitespace) {
        true => NewShare::default(),
        false => parse_json(&body)?,
    };
    let expires_in = body.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
    if !(1..=MAX_EXPIRES_IN).contains(&expires_in) {
        return Err(ApiError::invalid(
            "expires_in",
            format!("must be between 1 and {MAX_EXPIRES_IN} seconds (30 days)"),
        ));
    }
    let file = owned_file(&state, user.user_id, &raw).await?;
    if file.status != FileStatus::Done {
        return Err(ApiError::Conflict {
            code: ErrorCode::NotReady,
            message: format!(
                "the file is {}; only a done file can be shared",
                file.status.as_str()
            ),
        });
    }
    let now = now();
    let share = ShareRow {
        id: Uuid::now_v7().to_string(),
        token: random_token(""),
        owner: user.user_id.to_string(),
        file_id: file.id.to_string(),
        created_at: now,
        expires_at: now + expires_in as i64,
    };
    shares::insert(&state.db, &share).await?;
    tracing::info!(file = %file.id, share = %share.id, expires_in, "share link created");
    Ok((StatusCode::CREATED, Json(share.into())))
}

#[utoipa::path(get, path = "/file/{id}/shares", tag = "sharing", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file's links that still work", body = ShareList),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
    ))]
async fn list_shares(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<ShareList>, ApiError> {
    let file = owned_file(&state, user.user_id, &raw).await?;
    let rows = shares::list_live(&state.db, user.user_id, file.id, now()).await?;
    Ok(Json(ShareList {
        shares: rows.into_iter().map(ShareView::from).collect(),
    }))
}

#[utoipa::path(delete, path = "/shares/{id}", tag = "sharing", security(("bearer" = [])),
    params(("id" = String, Path, description = "The link's id")),
    responses(
        (status = 204, description = "Revoked: the link is a 404 from now on"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such link among the caller's", body = ErrorResponse),
    ))]
async fn revoke_share(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !shares::delete(&state.db, user.user_id, path_id(&raw)?).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/s/{token}", tag = "sharing",
    params(("token" = String, Path, description = "The token of a share link")),
    responses(
        (status = 200, description = "The shared PDF, inline, under the file's name", content_type = "application/pdf"),
        (status = 307, description = "With `FOLIO_S3_PRESIGN_TTL` set: a presigned link to the PDF in S3, living no longer than the share (`Location`)"),
        (status = 404, description = "No such link, or it expired, was revoked or its file was deleted", body = ErrorResponse),
        (status = 429, description = "Too many links opened from this address (`FOLIO_SHARE_RATE`; `rate_limited`, with `Retry-After`)", body = ErrorResponse),
    ))]
/// Public: the link is the credential.
async fn open_share(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    // Tokens cannot be guessed; the limit keeps anyone from trying a great many anyway.
    if let Err(wait) = state.share_rate.check(ip) {
        let retry_after_secs = crate::request_rate::retry_after_secs(wait);
        return Err(ApiError::TooManyOpens { retry_after_secs });
    }
    let now = now();
    let share = shares::find_live(&state.db, &token, now)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (owner, id) = match (share.owner.parse::<Uuid>(), share.file_id.parse::<Uuid>()) {
        (Ok(owner), Ok(id)) => (owner, id),
        _ => return Err(ApiError::NotFound),
    };
    let mut response = open_inline(&state, owner, id, share.expires_at - now, "private").await?;
    response.headers_mut().insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    Ok(response)
}

/// A done file's PDF for a link that is its own credential (a share or a view link), shown
/// inline: streamed, or with presigning on, a redirect to S3 that dies no later than the link.
/// Never sends a referrer on; a file not done (or gone) is a 404, as an unknown link is.
pub(crate) async fn open_inline(
    state: &AppState,
    owner: Uuid,
    id: Uuid,
    life_left_secs: i64,
    cache_control: &'static str,
) -> Result<Response, ApiError> {
    let file = state
        .ports
        .index
        .get(owner, id)
        .await?
        .filter(|file| file.status == FileStatus::Done)
        .ok_or(ApiError::NotFound)?;
    let disposition = disposition("inline", &file);
    let key = names::object_key(owner, id, file.output());
    let mut response = match presigned(state, &key, &disposition, life_left_secs).await? {
        Some(response) => response,
        None => file_response(
            open_file(state, owner, &file).await?,
            file.output().content_type(),
            Some(&disposition),
            cache_control,
        ),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// A redirect to S3, when presigning is on, with a link that dies no later than the link that
/// led to it (a share or a view link).
async fn presigned(
    state: &AppState,
    key: &str,
    disposition: &str,
    life_left_secs: i64,
) -> Result<Option<Response>, ApiError> {
    let Some(ttl) = state.settings.s3_presign_ttl else {
        return Ok(None);
    };
    let ttl = ttl.min(Duration::from_secs(life_left_secs.max(1) as u64));
    let Some(link) = state
        .ports
        .store
        .presigned_download(key, disposition, ttl)
        .await?
    else {
        return Ok(None);
    };
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(location) = HeaderValue::from_str(&link) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(Some(response))
}
