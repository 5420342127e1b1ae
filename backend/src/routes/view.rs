//! Opening a PDF in the browser: the SPA asks for a short-lived view link and opens it in a
//! tab, where the browser's own viewer shows the document served inline.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::files::done_file;
use super::path_id;
use super::shares::open_inline;
use crate::auth::{AuthUser, VIEW_LINK_TTL};
use crate::error::ApiError;
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::now;

/// Both routes live under `/api/v1`; opening a link needs no token, the link is one.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_view_link))
        .routes(routes!(open_view_link))
}

/// Where to show the PDF, for a little while.
#[derive(Serialize, ToSchema)]
struct ViewLink {
    /// Same-origin path to open in a browser tab: `/api/v1/view/{token}`.
    url: String,
    /// Seconds the link works.
    expires_in: u64,
}

#[utoipa::path(post, path = "/file/{id}/view", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "A link that shows the PDF inline in a browser tab, without a token, for 10 minutes", body = ViewLink),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
        (status = 409, description = "Not done yet (`not_ready`); the message gives the status", body = ErrorResponse),
    ))]
async fn create_view_link(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<Json<ViewLink>, ApiError> {
    let id = path_id(&raw)?;
    done_file(&state, user.user_id, id).await?;
    let (token, _) = state
        .view_links
        .issue(user.user_id, id, now())
        .map_err(ApiError::Internal)?;
    Ok(Json(ViewLink {
        url: format!("/api/v1/view/{token}"),
        expires_in: VIEW_LINK_TTL.as_secs(),
    }))
}

#[utoipa::path(get, path = "/view/{token}", tag = "files",
    params(("token" = String, Path, description = "The token of a view link")),
    responses(
        (status = 200, description = "The PDF, inline, under the file's name", content_type = "application/pdf"),
        (status = 307, description = "With `FOLIO_S3_PRESIGN_TTL` set: a presigned link to the PDF in S3, shown inline, living no longer than the view link (`Location`)"),
        (status = 404, description = "No such link, it expired, or its file was deleted", body = ErrorResponse),
    ))]
/// Public: the link is the credential.
async fn open_view_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let claims = state.view_links.verify(&token).ok_or(ApiError::NotFound)?;
    open_inline(
        &state,
        claims.sub,
        claims.file,
        claims.exp - now(),
        "private, no-store",
    )
    .await
}
