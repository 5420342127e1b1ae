//! A user's library: request a render, list, download and delete PDFs.
//!
//! Every route is scoped to the caller: another user's file answers 404, exactly as a file
//! that does not exist, so ids cannot be probed.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use folio_core::domain::text::MAX_NAME_CHARS;
use folio_core::jobs::names;
use folio_core::ports::StoredObject;
use folio_core::render::Output;
use folio_core::{Engine, FileRecord, FileStatus, PageUrl, RenderOptions};
use serde::{Deserialize, Serialize};
use tokio_util::io::ReaderStream;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::path_id;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{sent_options, ApiJsonWithRaw};
use crate::library;
use crate::openapi::ErrorResponse;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    // Only this route takes an uploaded page; every other keeps the configured body limit.
    let request = OpenApiRouter::new()
        .routes(routes!(request))
        .layer(DefaultBodyLimit::max(REQUEST_BODY_LIMIT));
    OpenApiRouter::new()
        .merge(request)
        .routes(routes!(download, delete, super::labels::relabel))
}

/// The most HTML one upload may carry (the request body may be larger: JSON escapes it).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The body limit of `POST /request`: an upload of [`MAX_UPLOAD_BYTES`] with room for its JSON
/// escaping, so the 413 is decided on the HTML itself.
const REQUEST_BODY_LIMIT: usize = 3 * MAX_UPLOAD_BYTES;

/// A page to render: its address (`url`), or the page itself (`html`), exactly one of them.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RenderRequest {
    /// An http(s) URL on the public internet.
    #[schema(min_length = 1, max_length = 4096)]
    url: Option<String>,
    /// The page itself instead of a URL (a saved page, or one behind a sign-in), up to 5 MiB.
    /// Everything it loads still goes through the SSRF guard.
    html: Option<String>,
    /// With `html`: the address its relative links resolve against (checked by the guard).
    #[schema(max_length = 4096)]
    base_url: Option<String>,
    /// With `html`: the file's name (1 to 200 characters); otherwise the page's title.
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    #[serde(default)]
    options: RenderOptions,
    #[serde(default)]
    engine: Engine,
}

/// What a render request asks for, parsed.
enum Page {
    Url(PageUrl),
    Upload(library::Upload),
}

impl RenderRequest {
    fn page(&mut self) -> Result<Page, ApiError> {
        let only_with_html =
            |field: &'static str| ApiError::invalid(field, "is only for a page sent as html");
        match (self.url.take(), self.html.take()) {
            (Some(_), Some(_)) => Err(ApiError::invalid("html", "give url or html, not both")),
            (None, None) => Err(ApiError::invalid(
                "url",
                "is required (or send the page itself as html)",
            )),
            (Some(url), None) => {
                if self.base_url.is_some() {
                    return Err(only_with_html("base_url"));
                }
                if self.name.is_some() {
                    return Err(only_with_html("name"));
                }
                Ok(Page::Url(PageUrl::parse(&url)?))
            }
            (None, Some(html)) => {
                if html.len() > MAX_UPLOAD_BYTES {
                    return Err(ApiError::PayloadTooLarge);
                }
                if html.trim().is_empty() {
                    return Err(ApiError::invalid("html", "is empty"));
                }
                let base_url = self
                    .base_url
                    .take()
                    .map(|base| PageUrl::parse_field("base_url", &base))
                    .transpose()?;
                let name = self.name.take().map(|name| parse_name(&name)).transpose()?;
                Ok(Page::Upload(library::Upload { html, base_url, name }))
            }
        }
    }
}

pub(crate) fn parse_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(ApiError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

#[utoipa::path(post, path = "/request", tag = "files", security(("bearer" = [])), request_body = RenderRequest,
    responses(
        (status = 202, description = "Recorded and queued; watch it on `/events` or `/files`", body = Accepted),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 400, description = "No JSON body, or a body that is not the JSON this route takes (`bad_request`)", body = ErrorResponse),
        (status = 413, description = "`html` over 5 MiB (`payload_too_large`)", body = ErrorResponse),
        (status = 422, description = "Invalid URL, HTML or options, both or neither of `url` and `html`, or refused by the SSRF guard; `field` names the culprit", body = ErrorResponse),
        (status = 429, description = "Over the queued-jobs or stored-bytes limit (`quota_exceeded`), or asking faster than `FOLIO_REQUEST_RATE` allows (`rate_limited`, with `Retry-After`)", body = ErrorResponse),
        (status = 503, description = "The queue or file index is unavailable; nothing was recorded", body = ErrorResponse),
    ))]
/// Records the file and queues the job, within the caller's limits; see [`library::request_render`].
async fn request(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJsonWithRaw(mut body, raw): ApiJsonWithRaw<RenderRequest>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let page = body.page()?;
    let options = (body.options, sent_options(&raw));
    let job = match page {
        Page::Url(url) => library::request_render(&state, user.user_id, url, options, body.engine).await?,
        Page::Upload(upload) => {
            library::request_upload(&state, user.user_id, upload, options, body.engine).await?
        }
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            id: job.job_id,
            status: FileStatus::Queued,
        }),
    ))
}

/// The answer to a render request: the new file, queued.
#[derive(Serialize, ToSchema)]
pub(crate) struct Accepted {
    pub(crate) id: Uuid,
    pub(crate) status: FileStatus,
}

#[utoipa::path(get, path = "/file/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The PDF, as an attachment named after the page; with `FOLIO_S3_PRESIGN_TTL` set and `Accept: application/json`, a short-lived link to it in S3 instead",
            content((Vec<u8> = "application/pdf"), (DownloadLink = "application/json"))),
        (status = 307, description = "With `FOLIO_S3_PRESIGN_TTL` set (and JSON not accepted): a short-lived link to the PDF in S3 (`Location`)"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
        (status = 409, description = "Not done yet (`not_ready`); the message gives the status", body = ErrorResponse),
    ))]
async fn download(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = path_id(&raw)?;
    let file = done_file(&state, user.user_id, id).await?;
    let key = names::object_key(user.user_id, id, file.output());
    let disposition = disposition("attachment", &file);
    if let Some(ttl) = state.settings.s3_presign_ttl {
        let link = state
            .ports
            .store
            .presigned_download(&key, &disposition, ttl)
            .await?;
        if let Some(link) = link {
            return Ok(presigned(link, ttl, &headers));
        }
    }
    let object = open_file(&state, user.user_id, &file).await?;
    Ok(file_response(
        object,
        file.output().content_type(),
        Some(&disposition),
        "private, no-store",
    ))
}

/// One of the caller's files that is done: 404 when it is not theirs, 409 `not_ready` until done.
pub(crate) async fn done_file(state: &AppState, owner: Uuid, id: Uuid) -> Result<FileRecord, ApiError> {
    let file = state
        .ports
        .index
        .get(owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if file.status != FileStatus::Done {
        return Err(ApiError::Conflict {
            code: ErrorCode::NotReady,
            message: format!("the file is {}, not done yet", file.status.as_str()),
        });
    }
    Ok(file)
}

/// The stored PDF (or PNG) of a done file.
pub(crate) async fn open_file(
    state: &AppState,
    owner: Uuid,
    file: &FileRecord,
) -> Result<StoredObject, ApiError> {
    let id = file.id;
    state
        .ports
        .store
        .get(&names::object_key(owner, id, file.output()))
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "file {id} is done but its stored file is missing"
            ))
        })
}

/// Streamed as read: a download never holds the whole file in memory.
pub(crate) fn file_response(
    object: StoredObject,
    content_type: &'static str,
    disposition: Option<&str>,
    cache_control: &'static str,
) -> Response {
    let mut response = Body::from_stream(ReaderStream::new(object.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(object.size));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(Ok(value)) = disposition.map(HeaderValue::from_str) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    response
}

/// `attachment` or `inline`, under the file's name made safe.
pub(crate) fn disposition(kind: &str, file: &FileRecord) -> String {
    format!(
        "{kind}; filename=\"{}\"",
        download_name(&file.name, file.output())
    )
}

/// The file a page starts after: a cursor this API returned (an id), or none for the first page.
/// A short-lived link to the PDF in S3: a 307 to it, or, for a client that accepts JSON (the
/// SPA, whose same-origin CSP cannot follow a redirect to S3 with `fetch`), the link itself to
/// navigate to.
fn presigned(link: String, ttl: std::time::Duration, headers: &HeaderMap) -> Response {
    let wants_json = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| accept.contains("application/json"));
    let mut response = if wants_json {
        Json(DownloadLink {
            url: link,
            expires_in: ttl.as_secs(),
        })
        .into_response()
    } else {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(location) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// Where to fetch a PDF directly from S3, for a short while.
#[derive(Serialize, ToSchema)]
struct DownloadLink {
    /// A presigned URL; it downloads the PDF under its name.
    url: String,
    /// Seconds the URL stays valid.
    expires_in: u64,
}

/// A file name safe in a header and on any file system: ASCII letters, digits and a few marks.
pub(crate) fn download_name(title: &str, output: Output) -> String {
    let extension = output.extension();
    // A screenshot's name ends in `.png` already.
    let title = title.strip_suffix(&format!(".{extension}")).unwrap_or(title);
    let mut name: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name = name
        .trim_matches(|c: char| c == '.' || c == ' ' || c == '_')
        .to_owned();
    name.truncate(100);
    if name.is_empty() {
        name = "page".to_owned();
    }
    format!("{name}.{extension}")
}

#[utoipa::path(delete, path = "/file/{id}", tag = "files", security(("bearer" = [])),
    params(("id" = String, Path, description = "The file's id")),
    responses(
        (status = 204, description = "The PDF and its record are gone; a queued job is cancelled"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 404, description = "No such file among the caller's", body = ErrorResponse),
        (status = 503, description = "The PDF could not be deleted; the file is kept, listed as before, to delete again", body = ErrorResponse),
    ))]
async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    library::delete_file(&state, user.user_id, path_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::{download_name, Output};

    #[test]
    fn download_names_are_safe() {
        assert_eq!(
            download_name("My Page: \"Quotes\" / slashes", Output::Pdf),
            "My Page_ _Quotes_ _ slashes.pdf"
        );
        assert_eq!(download_name("../../etc/passwd", Output::Pdf), "etc_passwd.pdf");
        assert_eq!(download_name("日本語", Output::Pdf), "page.pdf");
        assert_eq!(download_name("", Output::Pdf), "page.pdf");
        assert_eq!(download_name("Front page.png", Output::Png), "Front page.png");
        assert_eq!(download_name("Front page", Output::Png), "Front page.png");
    }
}
