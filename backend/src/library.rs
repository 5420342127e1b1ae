//! Use-cases on a user's library that more than one route needs, or whose order matters:
//! requesting a render under the user's limits, and deleting files (one at a time or all of an
//! account's) in the one order that can neither orphan a stored PDF nor lose a record.

use folio_core::jobs::names;
use folio_core::ports::{FileFilter, PortError};
use folio_core::{Engine, FileRecord, PageUrl, RenderJob, RenderOptions};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// How many locks the users share. A user always takes the same one, so two of one user's
/// requests are counted one after the other; unrelated users rarely wait on each other.
const REQUEST_LOCK_STRIPES: usize = 64;

/// Serialises each user's "count queued jobs, then record one" within this process, so 40
/// requests at once cannot all pass the same count. Replicas are covered by counting again
/// after recording (see [`request_render`]).
pub struct RequestLocks(Box<[Mutex<()>]>);

impl Default for RequestLocks {
    fn default() -> Self {
        Self((0..REQUEST_LOCK_STRIPES).map(|_| Mutex::new(())).collect())
    }
}

impl RequestLocks {
    fn of(&self, user: Uuid) -> &Mutex<()> {
        &self.0[(user.as_u128() % self.0.len() as u128) as usize]
    }
}

impl From<PortError> for ApiError {
    fn from(e: PortError) -> Self {
        ApiError::Unavailable(anyhow::Error::new(e))
    }
}

/// Render options as parsed, with the JSON they were sent as (which records keep).
pub type Asked = (RenderOptions, serde_json::Map<String, serde_json::Value>);

/// Options kept as sent (a file's, a schedule's), parsed again to ask for the page once more.
pub fn asked_again(sent: serde_json::Map<String, serde_json::Value>) -> Result<Asked, serde_json::Error> {
    let options = serde_json::from_value(serde_json::Value::Object(sent.clone()))?;
    Ok((options, sent))
}

/// Records the file, then queues the job; if queueing fails the record is removed again, so a
/// user never sees a file that nothing will ever render. `sent` is the options as the caller
/// wrote them, which the record keeps.
pub async fn request_render(
    state: &AppState,
    owner: Uuid,
    url: PageUrl,
    (options, sent): Asked,
    engine: Engine,
) -> Result<RenderJob, ApiError> {
    admit(state, owner, &options, engine)?;
    // Refused now, with the reason, instead of a failed file later.
    refuse_guarded(state, &url, "url").await?;
    let job = RenderJob::new(owner, url, options, engine);
    request_job(state, job, sent, None).await
}

/// A page sent as HTML, to render as if `base_url` (when given) had served it: as
/// [`request_render`], with the page kept in the object store until its job ends (a queue
/// message could not carry it). Always version 1 of an address of its own.
pub async fn request_upload(
    state: &AppState,
    owner: Uuid,
    upload: Upload,
    (options, sent): Asked,
    engine: Engine,
) -> Result<RenderJob, ApiError> {
    admit(state, owner, &options, engine)?;
    if let Some(base_url) = &upload.base_url {
        refuse_guarded(state, base_url, "base_url").await?;
    }
    let job = RenderJob::uploaded(owner, upload.base_url.as_ref(), options, engine);
    request_job(state, job, sent, Some((upload.html, upload.name))).await
}

/// The checks every request passes first: the caller's request rate, then the options.
fn admit(state: &AppState, owner: Uuid, options: &RenderOptions, engine: Engine) -> Result<(), ApiError> {
    if let Err(wait) = state.request_rate.check(owner) {
        let retry_after_secs = crate::request_rate::retry_after_secs(wait);
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    Ok(options.validate_for(engine)?)
}

/// An uploaded page, as the request route parsed it.
pub struct Upload {
    pub html: String,
    pub base_url: Option<PageUrl>,
    pub name: Option<String>,
}

/// Records and queues `job`; an upload's page (and its name, if given) comes with it.
async fn request_job(
    state: &AppState,
    job: RenderJob,
    sent: serde_json::Map<String, serde_json::Value>,
    upload: Option<(String, Option<String>)>,
) -> Result<RenderJob, ApiError> {
    let owner = job.owner;
    let (page, name) = upload.map_or((None, None), |(page, name)| (Some(page), name));
    {
        let _counting = state.request_locks.of(owner).lock().await;
        let usage = state.ports.index.usage(owner).await?;
        let max_queued = state.settings.max_queued_jobs;
        if usage.pending_jobs >= max_queued {
            return Err(too_many_queued(usage.pending_jobs, max_queued));
        }
        if usage.stored_bytes >= state.settings.max_stored_bytes {
            return Err(ApiError::QuotaExceeded(format!(
                "your library holds {} MiB, the limit is {} MiB; delete some files to make room",
                usage.stored_bytes / (1024 * 1024),
                state.settings.max_stored_bytes / (1024 * 1024)
            )));
        }
        // Each request of a page is its next version. Within this process the lock makes the
        // numbers distinct; two replicas taking one user's requests for one page in the same
        // instant could give both the same number (see the library decision record).
        let mut record = FileRecord::queued(&job);
        record.options = sent;
        if let Some(name) = name {
            record.name = name;
        }
        let previous = state
            .ports
            .index
            .list(
                owner,
                None,
                1,
                &FileFilter::versions_of(record.source_url.clone()),
            )
            .await?;
        record.version = previous.first().map_or(1, |last| last.version.saturating_add(1));
        if let Err(e) = state.ports.index.insert(owner, &record).await {
            // The record may have been written even so (a timeout after the write).
            forget(state, owner, job.job_id).await;
            return Err(e.into());
        }
        // Another replica may have recorded one of this user's jobs between the count and the
        // insert. Counting again, with this record in, can only over-count (a job another
        // replica is about to take back), never let the limit be passed.
        let after = state.ports.index.usage(owner).await;
        if !matches!(after, Ok(usage) if usage.pending_jobs <= max_queued) {
            forget(state, owner, job.job_id).await;
            return Err(match after {
                Ok(usage) => too_many_queued(usage.pending_jobs - 1, max_queued),
                Err(e) => e.into(),
            });
        }
    }
    let upload_key = names::upload_key(owner, job.job_id);
    if let Some(page) = page {
        if let Err(e) = state.ports.store.put(&upload_key, page.into_bytes()).await {
            forget(state, owner, job.job_id).await;
            return Err(e.into());
        }
    }
    if let Err(e) = state.ports.queue.enqueue(&job).await {
        forget(state, owner, job.job_id).await;
        if job.upload {
            let _ = state.ports.store.delete(&upload_key).await;
        }
        return Err(e.into());
    }
    crate::webhooks::watch(state, owner, job.job_id).await;
    tracing::info!(file = %job.job_id, "render requested");
    Ok(job)
}

/// How long a record whose job was never queued is retried for removal in the background.
const FORGET_FOR: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes the record of a job that was never queued. Should the index be away too (the same
/// outage, often), it keeps trying in the background: a record nothing will render must not
/// stay listed as queued. (Should the job have been queued after all, its worker finds the
/// record gone and keeps nothing.)
async fn forget(state: &AppState, owner: Uuid, id: Uuid) {
    if state.ports.index.delete(owner, id).await.is_ok() {
        return;
    }
    let index = state.ports.index.clone();
    tokio::spawn(async move {
        let deadline = tokio::time::Instant::now() + FORGET_FOR;
        let mut pause = std::time::Duration::from_secs(1);
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(pause).await;
            if index.delete(owner, id).await.is_ok() {
                tracing::info!(file = %id, "the record of a job that was never queued is removed");
                return;
            }
            pause = (pause * 2).min(std::time::Duration::from_secs(30));
        }
        tracing::error!(file = %id, "could not remove the record of a job that was never queued");
    });
}

/// Refuses an address the SSRF guard refuses now, as a 422 naming `field` with the reason. A
/// name that does not resolve is let through: the render (or delivery) records why it failed.
pub async fn refuse_guarded(state: &AppState, url: &PageUrl, field: &str) -> Result<(), ApiError> {
    match state
        .renderer
        .guard()
        .resolve(&url.host().to_string(), url.port())
        .await
    {
        Err(folio_render::guard::GuardError::Refused(refused)) => {
            Err(ApiError::invalid(field, refused.to_string()))
        }
        _ => Ok(()),
    }
}

fn too_many_queued(pending: u64, max: u64) -> ApiError {
    ApiError::QuotaExceeded(format!(
        "you already have {pending} pages waiting to render (the limit is {max}); try again when some are done"
    ))
}

/// Deletes one of `owner`'s files: `NotFound` if there is none with that id.
pub async fn delete_file(state: &AppState, owner: Uuid, id: Uuid) -> Result<(), ApiError> {
    let record = state
        .ports
        .index
        .get(owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    remove(state, owner, &record).await?;
    tracing::info!(file = %id, "file deleted");
    Ok(())
}

/// Deletes every file of `owner`, for account deletion. Stops at the first that cannot be
/// deleted, leaving it (and those not reached yet) listed, to try again.
pub async fn delete_account_files(state: &AppState, owner: Uuid) -> Result<(), ApiError> {
    loop {
        let files = state.ports.index.list(owner, None, 500, &FileFilter::ALL).await?;
        if files.is_empty() {
            return Ok(());
        }
        for record in &files {
            remove(state, owner, record).await?;
        }
    }
}

/// The one delete order. The queued job goes first, so no render starts; then the record, so a
/// render already running cannot complete (its worker finds the file gone and removes the PDF
/// it stored); then the PDF. Should the PDF not go, the record comes back as it was: the file
/// stays listed, and deleting it again finishes the job. No order leaves a PDF without a
/// record, or a record without its PDF.
async fn remove(state: &AppState, owner: Uuid, record: &FileRecord) -> Result<(), ApiError> {
    let _ = state.ports.queue.cancel(record.id).await;
    if !state.ports.index.delete(owner, record.id).await? {
        return Ok(()); // Someone else deleted it meanwhile.
    }
    if let Err(e) = state
        .ports
        .store
        .delete(&names::object_key(owner, record.id, record.output()))
        .await
    {
        if let Err(restore) = state.ports.index.insert(owner, record).await {
            tracing::error!(file = %record.id, error = %restore, "could not restore the record of a PDF that is still stored");
        }
        return Err(e.into());
    }
    if let Err(e) = state
        .ports
        .store
        .delete(&names::thumbnail_key(owner, record.id))
        .await
    {
        tracing::warn!(file = %record.id, error = %e, "could not delete the thumbnail of a deleted file");
    }
    if names::is_upload(record) && !record.status.is_final() {
        // Its job was cancelled before it could take the page back.
        if let Err(e) = state
            .ports
            .store
            .delete(&names::upload_key(owner, record.id))
            .await
        {
            tracing::warn!(file = %record.id, error = %e, "could not delete an upload's page");
        }
    }
    if let Err(e) = crate::search::forget(state, owner, record.id).await {
        // A row left behind is dropped by the next search that meets it.
        tracing::warn!(file = %record.id, error = ?e, "could not take a deleted file out of the search index");
    }
    // Links check that their file is still there; this only keeps the table tidy.
    if let Err(e) =
        crate::store::shares::delete_for_file(&state.db, owner, record.id, crate::store::now()).await
    {
        tracing::warn!(file = %record.id, error = %e, "could not delete the links to a deleted file");
    }
    Ok(())
}
