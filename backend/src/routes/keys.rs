//! API keys: credentials for scripts, managed only from a signed-in session.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::rfc3339;
use crate::auth::keys::{key_hash, random_token, API_KEY_PREFIX};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::{keys, now};

/// Keys a user may hold: enough for every script, few enough to review.
const MAX_KEYS: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_key, list_keys))
        .routes(routes!(revoke_key))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewKey {
    /// What the key is for, to recognise it in the list later.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
}

/// A key as listed: never the key itself.
#[derive(Serialize, ToSchema)]
struct KeyView {
    id: Uuid,
    name: String,
    created_at: String,
    /// When the key last authenticated a request, to the minute; `null` if never.
    last_used_at: Option<String>,
}

/// A new key: the only time `key` is ever shown.
#[derive(Serialize, ToSchema)]
struct CreatedKey {
    id: Uuid,
    name: String,
    /// Send as `Authorization: Bearer <key>`. Shown once: only its hash is kept.
    key: String,
    created_at: String,
    last_used_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct KeyList {
    /// Newest first.
    keys: Vec<KeyView>,
}

/// Trimmed, 1 to 100 characters, no control characters.
pub(crate) fn label(field: &str, raw: &str, max: usize) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > max || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            format!("must be 1 to {max} characters, without control characters"),
        ));
    }
    Ok(name.to_owned())
}

#[utoipa::path(post, path = "/keys", tag = "keys", security(("bearer" = [])), request_body = NewKey,
    responses(
        (status = 201, description = "The new key, shown this once", body = CreatedKey),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 403, description = "Authenticated by an API key: keys are managed from a signed-in session (`session_required`)", body = ErrorResponse),
        (status = 422, description = "Bad `name`, or 100 keys already", body = ErrorResponse),
    ))]
async fn create_key(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    user.session()?;
    let name = label("name", &body.name, 100)?;
    if keys::list(&state.db, user.user_id).await?.len() >= MAX_KEYS {
        return Err(ApiError::invalid(
            "name",
            format!("you already have {MAX_KEYS} keys; revoke one first"),
        ));
    }
    let (id, key, now) = (Uuid::now_v7(), random_token(API_KEY_PREFIX), now());
    keys::insert(&state.db, id, user.user_id, &name, &key_hash(&key), now).await?;
    tracing::info!(user_id = %user.user_id, key = %id, "API key created");
    let created = CreatedKey {
        id,
        name,
        key,
        created_at: rfc3339(now),
        last_used_at: None,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/keys", tag = "keys", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's keys, without the keys themselves", body = KeyList),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 403, description = "Authenticated by an API key (`session_required`)", body = ErrorResponse),
    ))]
async fn list_keys(State(state): State<AppState>, user: AuthUser) -> Result<Json<KeyList>, ApiError> {
    user.session()?;
    let keys = keys::list(&state.db, user.user_id)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(KeyView {
                id: row.id.parse().ok()?,
                name: row.name,
                created_at: rfc3339(row.created_at),
                last_used_at: row.last_used_at.map(rfc3339),
            })
        })
        .collect();
    Ok(Json(KeyList { keys }))
}

#[utoipa::path(delete, path = "/keys/{id}", tag = "keys", security(("bearer" = [])),
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked: the key is refused from now on"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 403, description = "Authenticated by an API key (`session_required`)", body = ErrorResponse),
        (status = 404, description = "No such key among the caller's", body = ErrorResponse),
    ))]
async fn revoke_key(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.session()?;
    let id = super::path_id(&raw)?;
    if !keys::delete(&state.db, user.user_id, id).await? {
        return Err(ApiError::NotFound);
    }
    tracing::info!(user_id = %user.user_id, key = %id, "API key revoked");
    Ok(StatusCode::NO_CONTENT)
}
