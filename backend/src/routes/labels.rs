//! A user's own labels on a file: its name and its tags.

use axum::extract::{Path, State};
use axum::Json;
use folio_core::ports::Labels;
use folio_core::{FileRecord, Tags};
use serde::Deserialize;
use utoipa::ToSchema;

use super::path_id;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::openapi::ErrorResponse;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LabelsChange {
    /// A new name, 1 to 200 characters (surrounding space is dropped).
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    /// The file's tags from now on (replacing the old ones): each 1 to 32 of `a-z`, `0-9`, `-`
    /// and `_`, at most 20; repeats count once. `[]` removes them all.
    #[schema(max_items = 20)]
    tags: Option<Vec<String>>,
}

impl LabelsChange {
    fn parse(self) -> Result<Labels, ApiError> {
        let name = self.name.as_deref().map(super::files::parse_name).transpose()?;
        let tags = self.tags.map(|tags| Tags::parse(&tags)).transpose()?;
        Ok(Labels { name, tags })
    }
}

#[utoipa::path(patch, path = "/file/{id}", tag = "files", security(("bearer" = [])), request_body = LabelsChange,
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file as it is now", body = FileRecord),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
        (status = 422, description = "A bad `name` or `tags`; `field` names which", body = ErrorResponse),
    ))]
/// Renames and retags a file. A file still rendering takes the page's title when it is done
/// unless renamed again after.
pub(crate) async fn relabel(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<LabelsChange>,
) -> Result<Json<FileRecord>, ApiError> {
    let id = path_id(&raw)?;
    let labels = body.parse()?;
    let renamed = labels.name.is_some();
    let record = state
        .ports
        .index
        .relabel(user.user_id, id, labels)
        .await?
        .ok_or(ApiError::NotFound)?;
    if renamed {
        crate::search::renamed(&state, user.user_id, &record).await?;
    }
    Ok(Json(record))
}
