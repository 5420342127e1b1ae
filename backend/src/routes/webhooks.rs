//! Webhooks: where Folio tells other systems that a file ended, and what came of each try.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use folio_core::PageUrl;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_id, rfc3339};
use crate::auth::keys::random_token;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::now;
use crate::store::webhooks::{self as store, WebhookRow};
use crate::webhooks::EVENTS;

/// Webhooks a user may have.
const MAX_WEBHOOKS: usize = 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(delete_webhook))
        .routes(routes!(webhook_deliveries))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewWebhook {
    /// Where to POST: an http(s) URL that passes the same SSRF guard as a page.
    #[schema(min_length = 1, max_length = 4096)]
    url: String,
    /// Among `file.done` and `file.failed`; default both.
    events: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
struct WebhookView {
    id: Uuid,
    url: String,
    events: Vec<String>,
    created_at: String,
}

/// A new webhook: the only time `secret` is shown.
#[derive(Serialize, ToSchema)]
struct CreatedWebhook {
    id: Uuid,
    url: String,
    events: Vec<String>,
    /// Signs every delivery: `Folio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
    /// "<t>.<body>" keyed with this string's UTF-8 bytes>`.
    secret: String,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
struct WebhookList {
    /// Newest first, without their secrets.
    webhooks: Vec<WebhookView>,
}

#[derive(Serialize, ToSchema)]
struct Delivery {
    /// `file.done` or `file.failed`.
    event: String,
    file_id: Uuid,
    /// The receiver's answer; `null` when there was none (refused address, timeout, no route).
    status_code: Option<u16>,
    /// Why the attempt failed; `null` when the receiver answered 2xx.
    error: Option<String>,
    /// 1 for the first try of this delivery, then 2, 3, …
    attempt: u32,
    delivered_at: String,
}

#[derive(Serialize, ToSchema)]
struct DeliveryList {
    /// The last 50 attempts, newest first.
    deliveries: Vec<Delivery>,
}

fn view(row: WebhookRow) -> WebhookView {
    WebhookView {
        id: row.id.parse().unwrap_or_default(),
        url: row.url,
        events: row.events.split(',').map(str::to_owned).collect(),
        created_at: rfc3339(row.created_at),
    }
}

fn events(requested: Option<Vec<String>>) -> Result<Vec<String>, ApiError> {
    let Some(requested) = requested else {
        return Ok(EVENTS.iter().map(|e| (*e).to_owned()).collect());
    };
    if let Some(unknown) = requested.iter().find(|e| !EVENTS.contains(&e.as_str())) {
        return Err(ApiError::invalid(
            "events",
            format!("{unknown:?} is not an event; choose among {}", EVENTS.join(", ")),
        ));
    }
    // In the canonical order, each once.
    let chosen: Vec<String> = EVENTS
        .iter()
        .filter(|e| requested.iter().any(|r| r == *e))
        .map(|e| (*e).to_owned())
        .collect();
    if chosen.is_empty() {
        return Err(ApiError::invalid("events", "name at least one event"));
    }
    Ok(chosen)
}

#[utoipa::path(post, path = "/webhooks", tag = "webhooks", security(("bearer" = [])), request_body = NewWebhook,
    responses(
        (status = 201, description = "The new webhook, with its signing secret (shown this once)", body = CreatedWebhook),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 422, description = "Bad `url` (or refused by the SSRF guard) or `events`, or 20 webhooks already", body = ErrorResponse),
    ))]
async fn create_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<NewWebhook>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
    let url = PageUrl::parse(&body.url)?;
    let events = events(body.events)?;
    crate::library::refuse_guarded(&state, &url, "url").await?;
    if store::list(&state.db, user.user_id).await?.len() >= MAX_WEBHOOKS {
        return Err(ApiError::invalid(
            "url",
            format!("you already have {MAX_WEBHOOKS} webhooks; delete one first"),
        ));
    }
    let row = WebhookRow {
        id: Uuid::now_v7().to_string(),
        owner: user.user_id.to_string(),
        url: url.as_str().to_owned(),
        events: events.join(","),
        secret: random_token("whsec_"),
        created_at: now(),
    };
    store::insert(&state.db, &row).await?;
    crate::webhooks::watch_pending(&state, user.user_id).await;
    tracing::info!(user_id = %user.user_id, webhook = %row.id, "webhook created");
    let secret = row.secret.clone();
    let WebhookView {
        id,
        url,
        events,
        created_at,
    } = view(row);
    let created = CreatedWebhook {
        id,
        url,
        events,
        secret,
        created_at,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's webhooks", body = WebhookList),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
    ))]
async fn list_webhooks(State(state): State<AppState>, user: AuthUser) -> Result<Json<WebhookList>, ApiError> {
    let webhooks = store::list(&state.db, user.user_id).await?;
    Ok(Json(WebhookList {
        webhooks: webhooks.into_iter().map(view).collect(),
    }))
}

#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Deleted, with its pending deliveries and its log"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such webhook among the caller's", body = ErrorResponse),
    ))]
async fn delete_webhook(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !store::delete(&state.db, user.user_id, path_id(&raw)?).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "The webhook's last 50 delivery attempts", body = DeliveryList),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such webhook among the caller's", body = ErrorResponse),
    ))]
async fn webhook_deliveries(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<DeliveryList>, ApiError> {
    let id = path_id(&raw)?;
    store::get(&state.db, user.user_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let deliveries = store::deliveries(&state.db, id)
        .await?
        .into_iter()
        .map(|row| Delivery {
            event: row.event,
            file_id: row.file_id.parse().unwrap_or_default(),
            status_code: row.status_code.and_then(|code| u16::try_from(code).ok()),
            error: row.error,
            attempt: u32::try_from(row.attempt).unwrap_or(u32::MAX),
            delivered_at: rfc3339(row.delivered_at),
        })
        .collect();
    Ok(Json(DeliveryList { deliveries }))
}
