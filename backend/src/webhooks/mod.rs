//! Webhooks: when a file of a user with webhooks ends, each subscribed webhook gets a signed
//! POST, retried with backoff until it is accepted.
//!
//! The same code runs in both modes, in every backend process, and keeps all its work in the
//! backend's database: a request records a *watch* on its file; the dispatcher reads watched
//! files from the file index (wherever it is) until they end, then turns each watch into
//! *jobs*, one per webhook, in one transaction; jobs are claimed by lease, so a process dying
//! mid-delivery leaves them to be delivered again (at least once), and two processes never
//! make the same attempt.

pub mod deliver;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use folio_core::ports::FileFilter;
use folio_core::{FileRecord, FileStatus};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::state::AppState;
use crate::store::webhooks::{self as store, DeliveryRow, JobRow, WatchRow};
use crate::store::{now, now_ms};

/// What a webhook may subscribe to.
pub const EVENTS: [&str; 2] = ["file.done", "file.failed"];
/// Attempts before a delivery is given up: with the default 5 s base, the last is about an hour
/// and a half (5,465 s) after the first.
const MAX_ATTEMPTS: i64 = 8;
/// How often an unfinished watched file is looked at again.
const RECHECK_MS: i64 = 1000;
/// How long a claimed watch or delivery is this process's before it is due again.
const LEASE_MS: i64 = 60_000;
/// Rows taken per pass.
const BATCH: i64 = 50;
/// The longest the dispatcher sleeps: work queued by another process is seen within this.
const IDLE: Duration = Duration::from_secs(1);
/// The newest files looked at for ones in flight when a webhook is made (the queued-jobs
/// limit keeps far fewer in flight).
const PENDING_LOOKED_AT: usize = 1000;
/// Deliveries in flight at once, per process.
const IN_FLIGHT: usize = 16;

/// The wait after the `attempt`th failure: `base`, then 3 times longer each time.
pub fn backoff(base: Duration, attempt: i64) -> Duration {
    base.saturating_mul(3u32.saturating_pow(attempt.clamp(1, 20) as u32 - 1))
}

/// Watches a newly requested file for its owner's webhooks, if they have any.
pub async fn watch(state: &AppState, owner: Uuid, file_id: Uuid) {
    match store::watch_if_hooked(&state.db, owner, file_id, now_ms()).await {
        Ok(true) => state.webhook_wake.now(),
        Ok(false) => {}
        Err(e) => tracing::warn!(file = %file_id, error = %e, "could not watch a file for webhooks"),
    }
}

/// Watches the owner's files that have not ended yet, for a webhook just made: it hears of
/// the files in flight too, not only of those requested after it.
pub async fn watch_pending(state: &AppState, owner: Uuid) {
    let files = match state
        .ports
        .index
        .list(owner, None, PENDING_LOOKED_AT, &FileFilter::ALL)
        .await
    {
        Ok(files) => files,
        Err(e) => return tracing::warn!(error = %e, "could not read the files a new webhook should hear of"),
    };
    for file in files.iter().filter(|f| !f.status.is_final()) {
        watch(state, owner, file.id).await;
    }
}

/// Delivers until `stop` completes.
pub async fn run(state: AppState, stop: impl Future<Output = ()>) {
    let mut changes = state.events.subscribe();
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    tokio::pin!(stop);
    let mut due = tokio::time::Instant::now();
    let mut owed = true;
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = state.webhook_wake.woken() => {}
            () = tokio::time::sleep_until(due) => {}
            // A file ending in this process is checked at once rather than at the next look,
            // unless the last look found no watch and no delivery at all: then no change is
            // owed anything (most users have no webhook, and each look is four queries).
            Ok(_) = changes.recv() => if !owed { continue },
        }
        let sleep = match pass(&state, &in_flight).await {
            Ok(Pass { sleep, work_left }) => {
                owed = work_left;
                sleep
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook dispatcher could not read its work");
                owed = true;
                IDLE
            }
        };
        due = tokio::time::Instant::now() + sleep;
    }
}

struct Pass {
    /// How long to sleep after it.
    sleep: Duration,
    /// Whether any watch or delivery is left, due now or later.
    work_left: bool,
}

/// One look at everything due.
async fn pass(state: &AppState, in_flight: &Arc<Semaphore>) -> Result<Pass, sqlx::Error> {
    let now = now_ms();
    let watches = store::due_watches(&state.db, now, BATCH).await?;
    for watch in &watches {
        if store::claim_watch(&state.db, watch, now + LEASE_MS).await? {
            check(state, watch).await;
        }
    }
    let jobs = store::due_jobs(&state.db, now, BATCH).await?;
    for job in &jobs {
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            break;
        };
        if store::claim_job(&state.db, job, now_ms() + LEASE_MS).await? {
            let (state, job) = (state.clone(), job.clone());
            tokio::spawn(async move {
                attempt(&state, job).await;
                drop(permit);
            });
        }
    }
    if watches.len() as i64 == BATCH || jobs.len() as i64 == BATCH {
        return Ok(Pass {
            sleep: Duration::ZERO,
            work_left: true,
        });
    }
    let next_due = store::next_due(&state.db).await?;
    Ok(Pass {
        sleep: crate::wake::sleep_until_due(next_due, now_ms(), IDLE),
        work_left: next_due.is_some(),
    })
}

/// Turns the watch of a file that ended into its deliveries.
async fn check(state: &AppState, watch: &WatchRow) {
    let (Ok(owner), Ok(id)) = (watch.owner.parse::<Uuid>(), watch.file_id.parse::<Uuid>()) else {
        let _ = store::end_watch(&state.db, &watch.file_id, &[]).await;
        return;
    };
    let record = match state.ports.index.get(owner, id).await {
        Ok(record) => record,
        Err(e) => {
            tracing::warn!(file = %id, error = %e, "could not read a watched file; looking again later");
            let _ = store::recheck_watch(&state.db, &watch.file_id, now_ms() + 5 * RECHECK_MS).await;
            return;
        }
    };
    let jobs = match record {
        // Deleted before it ended: nothing to tell.
        None => Vec::new(),
        Some(record) => {
            let event = match record.status {
                FileStatus::Done => "file.done",
                FileStatus::Failed => "file.failed",
                _ => {
                    let _ = store::recheck_watch(&state.db, &watch.file_id, now_ms() + RECHECK_MS).await;
                    return;
                }
            };
            match jobs_for(state, owner, event, &record).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(file = %id, error = %e, "could not prepare webhook deliveries");
                    return; // The claim runs out and the watch is checked again.
                }
            }
        }
    };
    match store::end_watch(&state.db, &watch.file_id, &jobs).await {
        Ok(()) if !jobs.is_empty() => state.webhook_wake.now(),
        Ok(()) => {}
        Err(e) => tracing::warn!(file = %id, error = %e, "could not queue webhook deliveries"),
    }
}

async fn jobs_for(
    state: &AppState,
    owner: Uuid,
    event: &str,
    record: &FileRecord,
) -> Result<Vec<JobRow>, anyhow::Error> {
    let body = serde_json::to_vec(&serde_json::json!({ "event": event, "file": record }))?;
    let now = now_ms();
    Ok(store::list(&state.db, owner)
        .await?
        .into_iter()
        .filter(|hook| hook.events.split(',').any(|e| e == event))
        .map(|hook| JobRow {
            id: Uuid::now_v7().to_string(),
            webhook_id: hook.id,
            event: event.to_owned(),
            file_id: record.id.to_string(),
            body: body.clone(),
            attempt: 0,
            next_attempt_at: now,
        })
        .collect())
}

/// One attempt at one delivery, logged for the owner to see.
async fn attempt(state: &AppState, job: JobRow) {
    let hook = match store::get_by_id(&state.db, &job.webhook_id).await {
        Ok(Some(hook)) => hook,
        Ok(None) => return, // Deleted: its jobs went with it.
        Err(e) => {
            tracing::warn!(error = %e, "could not read a webhook; its delivery is retried when its claim runs out");
            return;
        }
    };
    let outcome = deliver::post(state.renderer.guard(), &hook.url, &hook.secret, job.body.clone()).await;
    let attempt = job.attempt + 1;
    let (status_code, error) = match outcome {
        Ok(code) if (200..300).contains(&code) => (Some(i64::from(code)), None),
        Ok(code) => (
            Some(i64::from(code)),
            Some(format!("the receiver answered {code}")),
        ),
        Err(reason) => (None, Some(reason)),
    };
    let delivered = error.is_none();
    let logged = DeliveryRow {
        event: job.event.clone(),
        file_id: job.file_id.clone(),
        status_code,
        error: error.clone(),
        attempt,
        delivered_at: now(),
    };
    if let Err(e) = store::log_delivery(&state.db, &hook.id, &logged).await {
        tracing::warn!(error = %e, "could not log a webhook delivery");
    }
    let outcome = if delivered {
        store::delete_job(&state.db, &job.id).await.map(|()| "delivered")
    } else if attempt >= MAX_ATTEMPTS {
        tracing::warn!(webhook = %hook.id, file = %job.file_id, error = ?error, attempts = attempt, "webhook delivery given up");
        store::delete_job(&state.db, &job.id).await.map(|()| "gave_up")
    } else {
        let wait = backoff(state.settings.webhook_retry_base, attempt);
        let at = now_ms() + wait.as_millis() as i64;
        tracing::info!(webhook = %hook.id, file = %job.file_id, error = ?error, attempt, retry_in = ?wait, "webhook delivery failed");
        store::retry_job(&state.db, &job.id, attempt, at)
            .await
            .map(|()| "retrying")
    };
    match outcome {
        Ok(outcome) => {
            metrics::counter!(folio_core::metrics::WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1)
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not record a webhook delivery's outcome; it is retried when its claim runs out")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_meets_the_promise() {
        let base = Duration::from_secs(5);
        assert!(
            backoff(base, 1) <= Duration::from_secs(30),
            "first retry within 30 s"
        );
        let span: Duration = (1..5).map(|n| backoff(base, n)).sum();
        const { assert!(MAX_ATTEMPTS >= 5) };
        // Attempt 6 starts after the first five waits: well over ten minutes in.
        let to_sixth = span + backoff(base, 5);
        assert!(to_sixth >= Duration::from_secs(600), "{to_sixth:?}");
    }
}
