//! A done file's thumbnail: its page's first screen, taken in the same render as the PDF.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use folio_core::jobs::names;
use tokio_util::io::ReaderStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::files::done_file;
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
    let mut response = Body::from_stream(ReaderStream::new(object.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(object.size));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    // A file's thumbnail never changes: the browser may keep it, for this user only.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400, immutable"),
    );
    Ok(response)
}
