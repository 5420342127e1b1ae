//! Listing a user's library: newest first, by page or tag, or ranked by a full-text search.

use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use folio_core::ports::FileFilter;
use folio_core::{FileRecord, PageUrl, Tag};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::ErrorResponse;
use crate::search::{self, SearchQuery};
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: usize = 100;
const MAX_PAGE_SIZE: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `next_cursor` from the previous page (of the same listing or search).
    #[param(nullable = false)]
    cursor: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000, nullable = false)]
    limit: Option<usize>,
    /// Only the versions of this page (its address as files show it in `source_url`).
    #[param(nullable = false)]
    source_url: Option<String>,
    /// Only files with this tag.
    #[param(nullable = false)]
    tag: Option<String>,
    /// Words to find in done files' text, name or address, ranked by relevance; the last word
    /// also matches as a prefix; case and accents do not matter. At most 200 characters; one
    /// without any letter or digit lists as if absent.
    #[param(nullable = false, max_length = 200)]
    q: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Result<FileFilter, ApiError> {
        let source_url = match self.source_url.as_deref() {
            Some(url) => Some(
                PageUrl::parse(url)
                    .map_err(|e| ApiError::invalid("source_url", e.reason))?
                    .to_string(),
            ),
            None => None,
        };
        let tag = match self.tag.as_deref() {
            Some(tag) => Some(Tag::parse(tag).map_err(|e| ApiError::invalid("tag", e.reason))?),
            None => None,
        };
        Ok(FileFilter { source_url, tag })
    }

    fn limit(&self) -> Result<usize, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(limit)
    }

    /// The cursor a listing or a search gave, parsed as that one gives it.
    fn cursor<T: std::str::FromStr>(&self) -> Result<Option<T>, ApiError> {
        match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(cursor) => cursor
                .parse::<T>()
                .map(Some)
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this listing returned")),
            None => Ok(None),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct FileList {
    /// Newest first; ranked by relevance with `q`.
    files: Vec<FileRecord>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/files", tag = "files", security(("bearer" = [])), params(ListQuery),
    responses(
        (status = 200, description = "The caller's files, newest first; with `source_url` and `tag`, only those that match both; with `q`, done files that match, best first, each with a `snippet`", body = FileList),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 422, description = "Bad `cursor`, `limit`, `source_url` or `tag`, or a `q` over 200 characters", body = ErrorResponse),
    ))]
async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    RawQuery(raw_query): RawQuery,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = query.limit()?;
    let filter = query.filter()?;
    let search = match query.q.as_deref() {
        Some(q) => SearchQuery::parse(q)?,
        None => None,
    };
    if let Some(search) = search {
        let offset = query.cursor::<usize>()?.unwrap_or(0);
        let (hits, next) = search::search(&state, user.user_id, &search, &filter, offset, limit).await?;
        let files = hits
            .into_iter()
            .map(|hit| FileRecord {
                snippet: Some(hit.snippet),
                ..hit.record
            })
            .collect();
        return Ok(Json(FileList {
            files,
            next_cursor: next.map(|position| position.to_string()),
        })
        .into_response());
    }
    let before = query.cursor::<Uuid>()?;
    let raw_query = raw_query.unwrap_or_default();
    // Read before the index, so a change landing meanwhile makes what is kept already stale.
    let kept = state
        .listings
        .as_ref()
        .map(|cache| (cache, state.events.library_version(user.user_id)));
    if let Some(body) = kept.and_then(|(cache, version)| cache.get(user.user_id, &raw_query, version)) {
        return Ok(([(CONTENT_TYPE, "application/json")], body).into_response());
    }
    // One more than asked tells whether there is a next page.
    let mut files = state
        .ports
        .index
        .list(user.user_id, before, limit + 1, &filter)
        .await?;
    let next_cursor = if files.len() > limit {
        files.truncate(limit);
        files.last().map(|f| f.id.to_string())
    } else {
        None
    };
    let body =
        serde_json::to_vec(&FileList { files, next_cursor }).map_err(|e| ApiError::Internal(e.into()))?;
    let body = axum::body::Bytes::from(body);
    if let Some((cache, version)) = kept {
        cache.keep(user.user_id, &raw_query, version, body.clone());
    }
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::ListQuery;
    use crate::error::ApiError;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn with_cursor(raw: &str) -> ListQuery {
        ListQuery {
            cursor: Some(raw.to_owned()),
            limit: None,
            source_url: None,
            tag: None,
            q: None,
        }
    }

    fn refused_naming_cursor<T>(read: Result<T, ApiError>) -> bool {
        match read {
            Ok(_) => true,
            Err(e) => matches!(&e, ApiError::Invalid { field, .. } if field == "cursor"),
        }
    }

    proptest! {
        /// Any text as a cursor: a page, or a 422 naming `cursor`; never a server error. Every
        /// cursor the API hands out (a file id for listings, a position for searches) reads back
        /// as itself.
        #[test]
        fn any_cursor_is_read_or_refused_as_the_client_s_fault(raw in ".{0,80}", id in any::<u128>(), at in any::<usize>()) {
            prop_assert!(refused_naming_cursor(with_cursor(&raw).cursor::<Uuid>()));
            prop_assert!(refused_naming_cursor(with_cursor(&raw).cursor::<usize>()));
            let issued = Uuid::from_u128(id);
            prop_assert_eq!(with_cursor(&issued.to_string()).cursor::<Uuid>().ok().flatten(), Some(issued));
            prop_assert_eq!(with_cursor(&at.to_string()).cursor::<usize>().ok().flatten(), Some(at));
        }
    }
}
