//! Keeping a finished render: within the file and storage limits, the file, its text and its
//! thumbnail stored, then the record marked done; nothing left behind when any step fails.

use folio_core::domain::text::{clip, MAX_NAME_CHARS};
use folio_core::jobs::names;
use folio_core::ports::{FileUpdate, PortError};
use folio_core::render::Output;
use folio_core::{FileRecord, FileStatus, RenderJob};
use folio_render::RenderedPdf;
use sha2::{Digest, Sha256};

use crate::{metrics, versions, Outcome, Worker};

impl Worker {
    pub(crate) async fn keep(
        &self,
        job: &RenderJob,
        record: &FileRecord,
        pdf: RenderedPdf,
    ) -> Result<Outcome, PortError> {
        let (owner, id) = (job.owner, job.job_id);
        if pdf.size_bytes > self.limits.max_file_bytes {
            let reason = format!(
                "file too large: {} bytes, more than the {} a file may have",
                pdf.size_bytes, self.limits.max_file_bytes
            );
            return self.fail(owner, id, reason).await;
        }
        if let Some(max) = self.limits.max_stored_bytes {
            let stored = self.ports.index.usage(owner).await?.stored_bytes;
            if stored.saturating_add(pdf.size_bytes) > max {
                return self
                    .fail(
                        owner,
                        id,
                        "storage quota exceeded: delete files to make room".to_owned(),
                    )
                    .await;
            }
        }
        let sha256 = hex::encode(Sha256::digest(&pdf.bytes));
        let key = names::object_key(owner, id, job.options.output);
        let text_key = names::text_key(owner, id);
        let thumbnail_key = names::thumbnail_key(owner, id);
        let written = [key.as_str(), text_key.as_str(), thumbnail_key.as_str()];
        let stored = match self.ports.store.put(&key, pdf.bytes).await {
            Ok(()) => {
                self.ports
                    .store
                    .put(&text_key, pdf.text.clone().into_bytes())
                    .await
            }
            Err(e) => Err(e),
        };
        let stored = match (stored, pdf.thumbnail) {
            (Ok(()), Some(thumbnail)) => self.ports.store.put(&thumbnail_key, thumbnail).await,
            (stored, _) => stored,
        };
        match stored {
            Ok(()) => {}
            // Trying again fills nothing: the job says why, and deleting files makes room.
            Err(e @ PortError::Full { .. }) => {
                self.delete_all(&written).await?;
                return self
                    .fail(
                        owner,
                        id,
                        format!("no room to store the PDF ({e}); delete files to make room"),
                    )
                    .await;
            }
            Err(e) => return Ok(Outcome::Retry(e.to_string())),
        }
        let changed = versions::changed_since_previous(&self.ports, owner, record, &pdf.text).await?;
        let recorded = self
            .ports
            .index
            .transition(
                owner,
                id,
                &[FileStatus::Rendering],
                FileUpdate {
                    status: Some(FileStatus::Done),
                    name: done_name(job, record, pdf.title.as_deref()),
                    size_bytes: Some(pdf.size_bytes),
                    pages: Some(pdf.pages),
                    engine: Some(pdf.engine),
                    changed,
                    sha256: Some(sha256),
                    final_url: Some(pdf.final_url.clone()),
                    http_status: pdf.status,
                    captured_at: Some(time::OffsetDateTime::now_utc()),
                    warnings: Some(pdf.warnings.clone()),
                    retried: Some(pdf.retried),
                    ..FileUpdate::default()
                },
            )
            .await;
        let done = match recorded {
            Ok(done) => done,
            // A result the index will not take would be refused again on every delivery: the
            // PDF goes, and the file says why (if the index is down altogether, that write fails
            // too and the job comes back, up to its attempts).
            Err(e) => {
                self.delete_all(&written).await?;
                return self
                    .fail(owner, id, format!("could not record the result: {e}"))
                    .await;
            }
        };
        if done.is_none() {
            // Another delivery of the same job got there first (the PDF is the same one), or the
            // file was deleted while rendering: then leave nothing behind.
            if self.ports.index.get(owner, id).await?.is_none() {
                self.delete_all(&written).await?;
            }
            return Ok(Outcome::Skipped);
        }
        tracing::info!(job = %id, pages = pdf.pages, bytes = pdf.size_bytes, "render done");
        ::metrics::counter!(metrics::JOBS, "outcome" => "done").increment(1);
        Ok(Outcome::Done)
    }

    /// Takes back what a render stored (the file, its text, its thumbnail), any of which may
    /// not have been written.
    async fn delete_all(&self, keys: &[&str]) -> Result<(), PortError> {
        for key in keys {
            self.ports.store.delete(key).await?;
        }
        Ok(())
    }
}

/// A done file's name, unless it keeps the one it was uploaded with: the page's title (or
/// address), and for a screenshot `.png` after it.
fn done_name(job: &RenderJob, record: &FileRecord, title: Option<&str>) -> Option<String> {
    if job.upload && record.name != FileRecord::queued(job).name {
        return None;
    }
    let fallback = if job.upload {
        "Uploaded page"
    } else {
        job.url.as_str()
    };
    Some(file_name(title.unwrap_or(fallback), job.options.output))
}

/// A file's name from the page's title (or address), and for a screenshot `.png` after it.
fn file_name(title: &str, output: Output) -> String {
    match output {
        Output::Pdf => clip(title, MAX_NAME_CHARS),
        Output::Png => {
            let extension = ".png";
            let title = clip(title, MAX_NAME_CHARS - extension.len());
            format!("{title}{extension}")
        }
    }
}
