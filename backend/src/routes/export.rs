//! `GET /api/v1/export`: the whole library as one ZIP, streamed as it is written, so a library
//! of any size leaves without the server holding it in memory or on disk.

use std::collections::HashSet;

use async_zip::tokio::write::ZipFileWriter;
use async_zip::{Compression, ZipEntryBuilder};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use folio_core::ports::FileFilter;
use folio_core::{FileRecord, FileStatus};
use futures::StreamExt;
use tokio_util::compat::FuturesAsyncWriteCompatExt;
use tokio_util::io::ReaderStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::files::{download_name, open_file};
use super::rfc3339;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi::ErrorResponse;
use crate::state::AppState;
use crate::store::now;

/// Bytes buffered between the ZIP writer and the connection.
const PIPE_BYTES: usize = 256 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

#[utoipa::path(get, path = "/export", tag = "files", security(("bearer" = [])),
    responses(
        (status = 200, description = "A ZIP of every done file, each under a unique safe name, and `manifest.json` at its root listing every file record (all statuses) with its `path` in the archive (`null` when it holds no PDF)", content_type = "application/zip"),
        (status = 401, description = "Missing, invalid or revoked token", body = ErrorResponse),
        (status = 503, description = "The file index is unavailable", body = ErrorResponse),
    ))]
async fn export(State(state): State<AppState>, user: AuthUser) -> Result<Response, ApiError> {
    let records = every_record(&state, user.user_id).await?;
    let (reader, writer) = tokio::io::duplex(PIPE_BYTES);
    let task = tokio::spawn(write_archive(state, user.user_id, records, writer));
    // A failure half-way must not look like a complete download: the stream ends in an error,
    // which cuts the connection instead of closing the body cleanly.
    let outcome = futures::stream::once(async move {
        match task.await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => {
                tracing::warn!(error = ?error, "export stopped");
                Some(Err(std::io::Error::other("the export could not be completed")))
            }
            Err(panic) => Some(Err(std::io::Error::other(panic))),
        }
    })
    .filter_map(futures::future::ready);
    let mut response = Body::from_stream(ReaderStream::new(reader).chain(outcome)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    let date = rfc3339(now()).get(..10).unwrap_or("library").to_owned();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"folio-{date}.zip\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

async fn every_record(state: &AppState, owner: Uuid) -> Result<Vec<FileRecord>, ApiError> {
    let mut records: Vec<FileRecord> = Vec::new();
    loop {
        let page = state
            .ports
            .index
            .list(owner, records.last().map(|r| r.id), 500, &FileFilter::ALL)
            .await?;
        let last_page = page.len() < 500;
        records.extend(page);
        if last_page {
            return Ok(records);
        }
    }
}

/// Each done file's PDF, then the manifest, which says what the archive really holds.
async fn write_archive(
    state: AppState,
    owner: Uuid,
    records: Vec<FileRecord>,
    writer: tokio::io::DuplexStream,
) -> anyhow::Result<()> {
    let mut zip = ZipFileWriter::with_tokio(writer);
    let mut names = UniqueNames::default();
    let mut manifest = Vec::with_capacity(records.len());
    for record in &records {
        let mut path = None;
        if record.status == FileStatus::Done {
            match open_file(&state, owner, record).await {
                Ok(object) => {
                    let name = names.claim(&download_name(&record.name, record.output()));
                    // PDFs are compressed already: stored as they are.
                    let entry = ZipEntryBuilder::new(name.clone().into(), Compression::Stored);
                    let mut entry_writer = zip.write_entry_stream(entry).await?.compat_write();
                    tokio::io::copy(&mut { object.body }, &mut entry_writer).await?;
                    entry_writer.into_inner().close().await?;
                    path = Some(name);
                }
                Err(error) => {
                    tracing::warn!(file = %record.id, error = ?error, "a done file's PDF could not be read for the export")
                }
            }
        }
        let mut entry = serde_json::to_value(record)?;
        entry["path"] = serde_json::json!(path);
        manifest.push(entry);
    }
    let manifest = serde_json::to_vec_pretty(&serde_json::json!({
        "exported_at": rfc3339(now()),
        "files": manifest,
    }))?;
    let entry = ZipEntryBuilder::new("manifest.json".to_owned().into(), Compression::Stored);
    zip.write_entry_whole(entry, &manifest).await?;
    let mut writer = zip.close().await?.into_inner();
    tokio::io::AsyncWriteExt::shutdown(&mut writer).await?;
    Ok(())
}

/// Names unique within the archive, ignoring case (as the file systems it is unpacked on may).
#[derive(Default)]
struct UniqueNames(HashSet<String>);

impl UniqueNames {
    fn claim(&mut self, name: &str) -> String {
        let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
        let mut candidate = name.to_owned();
        let mut n = 2;
        while !self.0.insert(candidate.to_lowercase()) || candidate.eq_ignore_ascii_case("manifest.json") {
            candidate = format!("{stem} ({n}).{extension}");
            n += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::UniqueNames;

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("Page.pdf"), "Page.pdf");
        assert_eq!(names.claim("page.pdf"), "page (2).pdf");
        assert_eq!(names.claim("Page.pdf"), "Page (3).pdf");
    }
}
