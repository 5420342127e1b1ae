//! `POST /api/v1/requests`: many pages at once, each checked and counted as a single request
//! would be, so one bad link never turns the others away.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use folio_core::{Engine, FileStatus, PageUrl, RenderOptions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorDetail};
use crate::extract::{sent_options, ApiJsonWithRaw};
use crate::library;
use crate::openapi::ErrorResponse;
use crate::state::AppState;

const MAX_URLS: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_many))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    /// 1 to 100 http(s) URLs; each becomes a file of its own.
    #[schema(min_items = 1, max_items = 100)]
    urls: Vec<String>,
    /// Applied to every URL.
    #[serde(default)]
    options: RenderOptions,
    #[serde(default)]
    engine: Engine,
}

#[derive(Serialize, ToSchema)]
struct QueuedFile {
    id: Uuid,
    url: String,
    status: FileStatus,
}

#[derive(Serialize, ToSchema)]
struct RejectedUrl {
    url: String,
    /// Why, as a single request would have been told.
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
struct BatchAccepted {
    /// Recorded and queued, in the order sent.
    files: Vec<QueuedFile>,
    /// Not queued, in the order sent.
    rejected: Vec<RejectedUrl>,
}

#[utoipa::path(post, path = "/requests", tag = "files", security(("bearer" = [])), request_body = BatchRequest,
    responses(
        (status = 202, description = "Each URL queued or rejected with its reason (bad URL, refused by the SSRF guard, over a quota or `FOLIO_REQUEST_RATE`)", body = BatchAccepted),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 422, description = "No URLs or more than 100, or invalid options (which apply to all)", body = ErrorResponse),
        (status = 429, description = "Not one URL let in by `FOLIO_REQUEST_RATE` (`rate_limited`, with `Retry-After`)", body = ErrorResponse),
    ))]
async fn request_many(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJsonWithRaw(body, raw): ApiJsonWithRaw<BatchRequest>,
) -> Result<(StatusCode, Json<BatchAccepted>), ApiError> {
    let sent = sent_options(&raw);
    if body.urls.is_empty() || body.urls.len() > MAX_URLS {
        return Err(ApiError::invalid(
            "urls",
            format!("must hold 1 to {MAX_URLS} URLs, not {}", body.urls.len()),
        ));
    }
    body.options.validate()?;
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for url in body.urls {
        let requested = async {
            let page = PageUrl::parse(&url)?;
            let options = (body.options.clone(), sent.clone());
            library::request_render(&state, user.user_id, page, options, body.engine).await
        };
        match requested.await {
            Ok(job) => files.push(QueuedFile {
                id: job.job_id,
                url,
                status: FileStatus::Queued,
            }),
            Err(error) => {
                if error.status().is_server_error() {
                    // What was queued stays queued; the caller learns which were not.
                    tracing::warn!(error = ?error, %url, "a URL of a batch could not be queued");
                }
                refused.push((url, error));
            }
        }
    }
    // Asking faster than the rate allows, with nothing let in: the whole batch is a 429, with
    // `Retry-After`, as a single request would be.
    let all_throttled = refused
        .iter()
        .all(|(_, e)| matches!(e, ApiError::TooManyRequests { .. }));
    if files.is_empty() && all_throttled {
        if let Some((_, error)) = refused.pop() {
            return Err(error);
        }
    }
    let rejected = refused
        .into_iter()
        .map(|(url, error)| RejectedUrl {
            url,
            error: error.detail(),
        })
        .collect();
    let accepted = BatchAccepted { files, rejected };
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}
