//! Schedules: a page captured again and again, every `every_seconds`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use folio_core::{Engine, PageUrl, RenderOptions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{path_id, rfc3339_ms};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::{sent_options, ApiJsonWithRaw};
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::schedules::{self as store, ScheduleRow};

/// Schedules a user may have.
const MAX_SCHEDULES: i64 = 100;
/// The longest interval: a year.
const MAX_EVERY_SECONDS: u64 = 366 * 24 * 3600;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_schedule, list_schedules))
        .routes(routes!(delete_schedule))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSchedule {
    /// The page: an http(s) URL on the public internet.
    #[schema(min_length = 1, max_length = 4096)]
    url: String,
    #[serde(default)]
    options: RenderOptions,
    #[serde(default)]
    engine: Engine,
    /// Seconds between captures: at least `FOLIO_SCHEDULE_MIN_INTERVAL` (default 3600).
    every_seconds: u64,
}

#[derive(Serialize, ToSchema)]
struct ScheduleView {
    id: Uuid,
    url: String,
    /// The render options as sent (`{}` when none).
    #[schema(value_type = Object)]
    options: serde_json::Map<String, serde_json::Value>,
    engine: Engine,
    every_seconds: u64,
    /// When the next capture is asked for (RFC 3339).
    next_run_at: String,
    /// The file of the latest capture, if any has run.
    last_file_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
struct ScheduleList {
    schedules: Vec<ScheduleView>,
}

fn view(row: ScheduleRow) -> Result<ScheduleView, ApiError> {
    let broken = |what: &str| ApiError::Internal(anyhow::anyhow!("schedule {} has a bad {what}", row.id));
    Ok(ScheduleView {
        id: row.id.parse().map_err(|_| broken("id"))?,
        url: row.url.clone(),
        options: serde_json::from_slice(&row.options).map_err(|_| broken("options"))?,
        engine: row.engine.parse().map_err(|_| broken("engine"))?,
        every_seconds: row.every_seconds.max(0) as u64,
        next_run_at: rfc3339_ms(row.next_run_ms),
        last_file_id: row.last_file_id.as_deref().and_then(|id| id.parse().ok()),
    })
}

#[utoipa::path(post, path = "/schedules", tag = "schedules", security(("bearer" = [])), request_body = NewSchedule,
    responses(
        (status = 201, description = "The schedule; its first capture is `every_seconds` from now", body = ScheduleView),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 422, description = "Bad `url` (or refused by the SSRF guard), `options` or `every_seconds`, or 100 schedules already", body = ErrorResponse),
    ))]
async fn create_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJsonWithRaw(body, raw): ApiJsonWithRaw<NewSchedule>,
) -> Result<(StatusCode, Json<ScheduleView>), ApiError> {
    let url = PageUrl::parse(&body.url)?;
    body.options.validate()?;
    let min = state.settings.schedule_min_interval.as_secs();
    if body.every_seconds < min || body.every_seconds > MAX_EVERY_SECONDS {
        return Err(ApiError::invalid(
            "every_seconds",
            format!("must be between {min} and {MAX_EVERY_SECONDS} seconds"),
        ));
    }
    crate::library::refuse_guarded(&state, &url, "url").await?;
    if store::count(&state.db, user.user_id).await? >= MAX_SCHEDULES {
        return Err(ApiError::invalid(
            "url",
            format!("you already have {MAX_SCHEDULES} schedules; delete one first"),
        ));
    }
    let now = now_ms();
    let row = ScheduleRow {
        id: Uuid::now_v7().to_string(),
        owner: user.user_id.to_string(),
        url: url.to_string(),
        options: serde_json::Value::Object(sent_options(&raw))
            .to_string()
            .into_bytes(),
        engine: body.engine.as_str().to_owned(),
        every_seconds: body.every_seconds as i64,
        next_run_ms: now + body.every_seconds as i64 * 1000,
        last_file_id: None,
        created_at: now,
    };
    store::insert(&state.db, &row).await?;
    state.schedule_wake.now();
    tracing::info!(schedule = %row.id, every_seconds = body.every_seconds, "schedule created");
    Ok((StatusCode::CREATED, Json(view(row)?)))
}

#[utoipa::path(get, path = "/schedules", tag = "schedules", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's schedules, oldest first", body = ScheduleList),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
    ))]
async fn list_schedules(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ScheduleList>, ApiError> {
    let rows = store::list(&state.db, user.user_id).await?;
    let schedules = rows.into_iter().map(view).collect::<Result<_, _>>()?;
    Ok(Json(ScheduleList { schedules }))
}

#[utoipa::path(delete, path = "/schedules/{id}", tag = "schedules", security(("bearer" = [])),
    params(("id" = String, Path, description = "The schedule's id")),
    responses(
        (status = 204, description = "Deleted: no more captures (the files it made stay)"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such schedule among the caller's", body = ErrorResponse),
    ))]
async fn delete_schedule(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !store::delete(&state.db, user.user_id, path_id(&raw)?).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
