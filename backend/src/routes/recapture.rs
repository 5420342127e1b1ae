//! Capturing a page again: its next version, asked for exactly as the first was.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use folio_core::jobs::names;
use folio_core::{FileStatus, PageUrl};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::files::Accepted;
use super::path_id;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::library;
use crate::openapi::ErrorResponse;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(recapture))
}

#[utoipa::path(post, path = "/file/{id}/recapture", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 202, description = "A new file of the same page, with the same options and engine, as its next `version`; queued", body = Accepted),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
        (status = 409, description = "The file was made from an uploaded page (`uploaded`): there is no address to capture again", body = ErrorResponse),
        (status = 422, description = "The page's address is now refused by the SSRF guard", body = ErrorResponse),
        (status = 429, description = "Over a quota or `FOLIO_REQUEST_RATE`, as for `POST /request`", body = ErrorResponse),
        (status = 503, description = "The queue or file index is unavailable; nothing was recorded", body = ErrorResponse),
    ))]
async fn recapture(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let id = path_id(&raw)?;
    let file = state
        .ports
        .index
        .get(user.user_id, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if names::is_upload(&file) {
        return Err(ApiError::Conflict {
            code: ErrorCode::Uploaded,
            message: "this file was made from an uploaded page: upload it again instead".to_owned(),
        });
    }
    let url = PageUrl::parse(&file.source_url)?;
    // What was accepted once parses again; should a later version refuse it, say so plainly.
    let asked = library::asked_again(file.options)
        .map_err(|e| ApiError::invalid("options", format!("the file's options no longer apply: {e}")))?;
    let job = library::request_render(&state, user.user_id, url, asked, file.engine).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            id: job.job_id,
            status: FileStatus::Queued,
        }),
    ))
}
