//! The render worker: takes jobs from the queue, renders them, stores the PDF and records the
//! outcome on the file. The same loop runs inside the backend (embedded mode) and, in AWS mode,
//! as the Lambda handler or a `--poll` process; it sees only the ports, never SQS or SQLite.
//!
//! Delivery is at least once, so handling is idempotent: a job whose file is already done,
//! failed or deleted is acknowledged and skipped; a job whose worker died mid-render is picked
//! up again from `rendering`.

pub mod events;
mod keep;
pub mod metrics;
pub mod process;
pub mod versions;

use std::sync::Arc;
use std::time::Duration;

use folio_core::domain::text::{clip, MAX_ERROR_CHARS};
use folio_core::jobs::{names, SCHEMA_VERSION};
use folio_core::ports::{Delivery, FileUpdate, JobQueue, PortError};
use folio_core::settings::{self, Env, SettingError};
use folio_core::{FileStatus, RenderJob};
use folio_render::{Owner, Renderer};
use uuid::Uuid;

/// How long a claimed job stays invisible to other workers, at least: longer than any render
/// may take with the default timeout (a worker with a longer one leases for longer, see
/// [`Worker::lease`]).
pub const LEASE: Duration = Duration::from_secs(180);
/// Time a lease leaves for storing a job's result once it is rendered.
const KEEP_MARGIN: Duration = Duration::from_secs(60);
/// After this many deliveries a job that keeps failing for retryable reasons is failed for good.
pub const MAX_ATTEMPTS: u32 = 5;
/// Tries of one delivery while a port is away: about half a minute of pauses (1, 2, 4, 8, 8 s).
const OUTAGE_ATTEMPTS: u32 = 6;

pub use folio_core::ports::Ports;

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The PDF is stored and the file is done.
    Done,
    /// Recorded as failed with this reason; not retried.
    Failed(String),
    /// Nothing to do: the file is already final, or was deleted.
    Skipped,
    /// Given back to the queue to try again later.
    Retry(String),
    /// Given back untouched, to be taken again at once: the worker stopped before its turn.
    GivenBack,
}

/// What one file may take, checked when its PDF is about to be stored: a request is checked
/// against the quota before it is queued, but jobs finish later and together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Largest PDF kept (`FOLIO_MAX_FILE_BYTES`).
    pub max_file_bytes: u64,
    /// Bytes of PDFs one user may keep (`FOLIO_MAX_STORED_BYTES`), when the worker knows it.
    pub max_stored_bytes: Option<u64>,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_stored_bytes: None,
        }
    }
}

pub use folio_core::settings::DEFAULT_MAX_FILE_BYTES;

impl StoreLimits {
    /// `FOLIO_MAX_FILE_BYTES` (default [`DEFAULT_MAX_FILE_BYTES`]) and, when set,
    /// `FOLIO_MAX_STORED_BYTES`.
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        let bytes = |name| env.parse::<u64>(name, "expected a number of bytes");
        Ok(Self {
            max_file_bytes: bytes(settings::MAX_FILE_BYTES)?.unwrap_or(DEFAULT_MAX_FILE_BYTES),
            max_stored_bytes: bytes(settings::MAX_STORED_BYTES)?,
        })
    }
}

pub struct Worker {
    ports: Ports,
    renderer: Arc<Renderer>,
    concurrency: usize,
    limits: StoreLimits,
    /// Turns at the renderer, `concurrency` of them: a job takes one before it is marked
    /// `rendering` and gives it back as soon as its render returns, so storing one job's PDF
    /// overlaps the next job's render.
    render_turns: tokio::sync::Semaphore,
    /// True once [`Worker::run`] stops taking jobs: a job still waiting for its turn goes back
    /// to the queue instead of holding up the stop.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Worker {
    pub fn new(ports: Ports, renderer: Arc<Renderer>, concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            ports,
            renderer,
            concurrency,
            limits: StoreLimits::default(),
            render_turns: tokio::sync::Semaphore::new(concurrency),
            stopping: tokio::sync::watch::channel(false).0,
        }
    }

    pub fn with_limits(mut self, limits: StoreLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Handles one delivery and acknowledges it (or gives it back), whatever happens.
    pub async fn handle(&self, delivery: &Delivery) -> Result<Outcome, PortError> {
        let outcome = self.process(delivery).await?;
        match &outcome {
            Outcome::Retry(reason) => {
                let backoff = Duration::from_secs(2u64.saturating_pow(delivery.receive_count.min(6)));
                tracing::warn!(job = %delivery.job.job_id, %reason, ?backoff, "render will be retried");
                self.ports.queue.release(delivery, backoff).await?;
            }
            Outcome::GivenBack => {
                tracing::info!(job = %delivery.job.job_id, "stopping: job given back to the queue");
                self.ports.queue.release(delivery, Duration::ZERO).await?;
            }
            _ => {
                self.ports.queue.complete(delivery).await?;
            }
        }
        Ok(outcome)
    }

    /// Handles a delivery; while a port is away (the database restarting, the store briefly
    /// unreachable) it tries again for a while instead of leaving the job to its lease, which
    /// would hold it back for minutes. Handling is idempotent, so trying again is safe.
    async fn handle_through_outages(&self, delivery: &Delivery) {
        let mut pause = Duration::from_secs(1);
        for attempt in 1.. {
            match self.handle(delivery).await {
                Ok(_) => return,
                Err(e) if attempt < OUTAGE_ATTEMPTS => {
                    tracing::warn!(job = %delivery.job.job_id, error = %e, ?pause, "a port is away; trying the job again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(8));
                }
                Err(e) => {
                    // Unacknowledged: the lease runs out and the job comes back.
                    tracing::error!(job = %delivery.job.job_id, error = %e, "job left for redelivery");
                    return;
                }
            }
        }
    }

    /// Handles one delivery without acknowledging it: the caller settles it with the queue
    /// (the loop below) or reports it back to Lambda (a partial batch failure for `Retry`).
    pub async fn process(&self, delivery: &Delivery) -> Result<Outcome, PortError> {
        let outcome = self.render_job(delivery).await?;
        if !matches!(outcome, Outcome::Retry(_) | Outcome::GivenBack) {
            self.forget_upload(&delivery.job).await;
        }
        Ok(outcome)
    }

    /// An upload's page is kept until its job ends, however it ends.
    async fn forget_upload(&self, job: &RenderJob) {
        if !job.upload {
            return;
        }
        if let Err(e) = self
            .ports
            .store
            .delete(&names::upload_key(job.owner, job.job_id))
            .await
        {
            tracing::warn!(job = %job.job_id, error = %e, "could not delete an upload's page");
        }
    }

    async fn render_job(&self, delivery: &Delivery) -> Result<Outcome, PortError> {
        let job = &delivery.job;
        let (owner, id) = (job.owner, job.job_id);
        if job.schema_version != SCHEMA_VERSION {
            return Ok(Outcome::Skipped);
        }
        // Every delivery counts, including those whose worker crashed or was killed before it
        // could say anything: a job that keeps taking its worker down ends here.
        if delivery.receive_count > MAX_ATTEMPTS {
            return self.give_up(job, None).await;
        }
        let Some(turn) = self.render_turn().await else {
            return Ok(Outcome::GivenBack);
        };
        let record = self
            .update_unfinished(
                owner,
                id,
                FileUpdate {
                    status: Some(FileStatus::Rendering),
                    ..FileUpdate::default()
                },
            )
            .await?;
        let Some(record) = record else {
            tracing::info!(job = %id, "file already final or deleted; skipping");
            return Ok(Outcome::Skipped);
        };
        let document = match self.uploaded_document(job).await? {
            Ok(document) => document,
            Err(reason) => return self.fail(owner, id, reason).await,
        };
        let render_started = std::time::Instant::now();
        let rendered = self
            .renderer
            .render_document_for(
                Owner::User(owner),
                &job.url,
                document.as_deref(),
                &job.options,
                job.engine,
            )
            .await;
        drop(turn);
        ::metrics::histogram!(metrics::RENDER_DURATION, "engine" => job.engine.as_str())
            .record(render_started.elapsed().as_secs_f64());
        let pdf = match rendered {
            Ok(pdf) => pdf,
            Err(e) if e.is_retryable() && delivery.receive_count < MAX_ATTEMPTS => {
                return Ok(Outcome::Retry(e.to_string()));
            }
            Err(e) if e.is_retryable() => return self.give_up(job, Some(e.to_string())).await,
            Err(e) => return self.fail(owner, id, e.to_string()).await,
        };
        self.keep(job, &record, pdf).await
    }

    /// Waits for a turn at the renderer, saying meanwhile that a tab will be wanted (so a
    /// finished page hands its tab on); `None` once the worker is stopping.
    async fn render_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        let _wanted = self.renderer.tab_wanted();
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => None,
            turn = self.render_turns.acquire() => turn.ok(),
        }
    }

    /// An upload's page, as the request stored it (`None` for a page fetched from its URL);
    /// `Err` with the reason when it is gone.
    async fn uploaded_document(&self, job: &RenderJob) -> Result<Result<Option<String>, String>, PortError> {
        if !job.upload {
            return Ok(Ok(None));
        }
        let key = names::upload_key(job.owner, job.job_id);
        Ok(match self.ports.store.get_text(&key).await? {
            Some(html) => Ok(Some(html)),
            None => Err("the uploaded page is no longer stored".to_owned()),
        })
    }

    /// Ends a job that used up its attempts (here, or in the dead-letter queue it was moved to
    /// after them): its file is `failed` with that reason and stops counting as queued.
    pub async fn give_up(&self, job: &RenderJob, last_error: Option<String>) -> Result<Outcome, PortError> {
        let reason = match last_error {
            Some(error) => format!("gave up after {MAX_ATTEMPTS} attempts: {error}"),
            None => format!("gave up after {MAX_ATTEMPTS} attempts"),
        };
        let outcome = self.fail(job.owner, job.job_id, reason).await;
        if outcome.is_ok() {
            self.forget_upload(job).await;
        }
        outcome
    }

    /// Takes jobs from the dead-letter queue until `shutdown` completes, ending each one's file
    /// as failed. A poll-mode worker runs this beside [`Worker::run`]; under Lambda an event
    /// source mapping on the dead-letter queue delivers them to [`events::handle_batch`].
    pub async fn drain_dead_letters(
        self: Arc<Self>,
        dead_letters: Arc<dyn JobQueue>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) {
        tokio::pin!(shutdown);
        loop {
            let received = tokio::select! {
                () = &mut shutdown => break,
                received = dead_letters.receive(Duration::from_secs(20), LEASE) => received,
            };
            let settled = match received {
                Ok(Some(delivery)) => match self.give_up(&delivery.job, None).await {
                    Ok(_) => dead_letters.complete(&delivery).await.map(|_| ()),
                    Err(e) => Err(e),
                },
                Ok(None) => Ok(()),
                // Unreadable: left where it is for an operator; its lease keeps it out of the
                // way for a while.
                Err(PortError::Malformed(reason)) => {
                    tracing::error!(%reason, "unreadable dead letter");
                    Ok(())
                }
                Err(e) => Err(e),
            };
            if let Err(e) = settled {
                tracing::error!(error = %e, "cannot settle the dead-letter queue; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn fail(&self, owner: Uuid, id: Uuid, reason: String) -> Result<Outcome, PortError> {
        let reason = clip(&reason, MAX_ERROR_CHARS);
        tracing::info!(job = %id, %reason, "render failed");
        let failed = FileUpdate {
            status: Some(FileStatus::Failed),
            error: Some(reason.clone()),
            ..FileUpdate::default()
        };
        // Counted once: a redelivery of a job already failed changes nothing.
        if self.update_unfinished(owner, id, failed).await?.is_some() {
            ::metrics::counter!(metrics::JOBS, "outcome" => "failed").increment(1);
        }
        Ok(Outcome::Failed(reason))
    }

    /// Applies `update` unless the file is already final or gone: a redelivered or raced job
    /// never undoes what another delivery finished.
    async fn update_unfinished(
        &self,
        owner: Uuid,
        id: Uuid,
        update: FileUpdate,
    ) -> Result<Option<folio_core::FileRecord>, PortError> {
        let unfinished = [FileStatus::Queued, FileStatus::Rendering];
        self.ports.index.transition(owner, id, &unfinished, update).await
    }

    /// How many jobs a worker holds at once: twice the renders it runs. Only `concurrency` of
    /// them render at a time; the others are the next ones already claimed and waiting for
    /// their turn (still `queued`), so a tab goes straight from one job's print to the next
    /// job's page (without parking on `about:blank` in between) while the finished job's PDF is
    /// stored. With one job per render, Chromium sat idle through every job's storing and the
    /// next claim.
    pub fn jobs_in_flight(&self) -> usize {
        self.concurrency * 2
    }

    /// How long a claimed job is this worker's: a job claimed ahead may wait for a tab
    /// through one render before its own, and must still be stored before the lease runs out
    /// (another worker would render it again, and write over the PDF it stored).
    pub fn lease(&self) -> Duration {
        LEASE.max(self.renderer.longest_render().saturating_mul(2) + KEEP_MARGIN)
    }

    /// Takes jobs until `shutdown` completes, [`Self::jobs_in_flight`] at a time. Port errors
    /// (the database briefly away) are logged and retried; nothing is acknowledged that was not
    /// handled.
    pub async fn run(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let in_flight = self.jobs_in_flight();
        let lease = self.lease();
        let slots = Arc::new(tokio::sync::Semaphore::new(in_flight));
        loop {
            let permit = tokio::select! {
                () = &mut shutdown => break,
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let received = tokio::select! {
                () = &mut shutdown => break,
                received = self.ports.queue.receive(Duration::from_secs(20), lease) => received,
            };
            match received {
                Ok(Some(delivery)) => {
                    let worker = self.clone();
                    tokio::spawn(async move {
                        worker.handle_through_outages(&delivery).await;
                        drop(permit);
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the job queue; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        // Jobs still waiting for their turn go back to the queue; those rendering finish
        // (they hold the permits).
        self.stopping.send_replace(true);
        let _ = slots.acquire_many(in_flight as u32).await;
    }
}
