//! A done file's thumbnail: its page's first screen, taken in the same render as the PDF.

use axum::extract::{Path, State};
use axum::response::Response;
use folio_core::jobs::names;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::files::{done_file, file_response};
use super::path_id;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi::ErrorResponse;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(thumbnail))
}

#[utoipa::path(get, path = "/file/{id}/thumbnail", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "A PNG of the page's first screen, at most 400 px wide", content_type = "image/png", body = Vec<u8>),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's, or it has no thumbnail (printed by the reader engine, a PDF kept as served, or captured before thumbnails)", body = ErrorResponse),
        (status = 409, description = "Not done yet (`not_ready`)", body = ErrorResponse),
    ))]
async fn thumbnail(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw)?;
    done_file(&state, user.user_id, id).await?;
    let object = state
        .ports
        .store
        .get(&names::thumbnail_key(user.user_id, id))
        .await?
        .ok_or(ApiError::NotFound)?;
    // A file's thumbnail never changes: the browser may keep it, for this user only.
    let cache_control = "private, max-age=86400, immutable";
    Ok(file_response(object, "image/png", None, cache_control))
}
