//! Scheduled re-capture: each schedule asks for its page again every `every_seconds`, as
//! `POST /file/{id}/recapture` would, under the same quotas. Every backend process runs the
//! loop; a due run is claimed in the database first (see [`store::claim`]), so it happens once
//! however many processes share the database. A run a quota refuses is skipped: the next one
//! is an interval later.

use std::future::Future;
use std::time::Duration;

use folio_core::{Engine, PageUrl};

use crate::library::{asked_again, Asked};
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::schedules::{self as store, ScheduleRow};

/// The longest the loop sleeps: a schedule made by another process is seen within this.
const IDLE: Duration = Duration::from_secs(1);
/// Runs taken per pass.
const BATCH: i64 = 50;

/// Runs schedules until `stop` completes.
pub async fn run(state: AppState, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        let sleep = match pass(&state).await {
            Ok(sleep) => sleep,
            Err(e) => {
                tracing::warn!(error = %e, "the scheduler could not read its schedules");
                IDLE
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = state.schedule_wake.woken() => {}
            () = tokio::time::sleep(sleep) => {}
        }
    }
}

/// Every due run; how long to sleep after.
async fn pass(state: &AppState) -> Result<Duration, sqlx::Error> {
    let now = now_ms();
    let due = store::due(&state.db, now, BATCH).await?;
    for schedule in &due {
        if store::claim(&state.db, schedule, next_run(schedule, now)).await? {
            let (state, schedule) = (state.clone(), schedule.clone());
            tokio::spawn(async move { run_once(&state, &schedule).await });
        }
    }
    if due.len() as i64 == BATCH {
        return Ok(Duration::ZERO);
    }
    let next_due = store::next_due(&state.db).await?;
    Ok(crate::wake::sleep_until_due(next_due, now_ms(), IDLE))
}

/// The run after this one: an interval on from when it was due, or from now when the server
/// was away for longer than that (missed runs are not made up for in a burst).
fn next_run(schedule: &ScheduleRow, now: i64) -> i64 {
    let every = schedule.every_seconds.max(1) * 1000;
    let next = schedule.next_run_ms + every;
    if next <= now {
        now + every
    } else {
        next
    }
}

async fn run_once(state: &AppState, schedule: &ScheduleRow) {
    let Some((owner, url, asked, engine)) = parse(schedule) else {
        tracing::error!(schedule = %schedule.id, "a stored schedule does not parse; skipped");
        return;
    };
    match crate::library::request_render(state, owner, url, asked, engine).await {
        Ok(job) => {
            tracing::info!(schedule = %schedule.id, file = %job.job_id, "scheduled capture requested");
            if let Err(e) = store::ran(&state.db, &schedule.id, job.job_id).await {
                tracing::warn!(schedule = %schedule.id, error = %e, "could not record a schedule's last file");
            }
        }
        Err(error) => {
            tracing::info!(schedule = %schedule.id, error = %error, "scheduled capture skipped until its next run");
        }
    }
}

fn parse(schedule: &ScheduleRow) -> Option<(uuid::Uuid, PageUrl, Asked, Engine)> {
    let owner = schedule.owner.parse().ok()?;
    let url = PageUrl::parse(&schedule.url).ok()?;
    let asked = asked_again(serde_json::from_slice(&schedule.options).ok()?).ok()?;
    let engine = schedule.engine.parse().ok()?;
    Some((owner, url, asked, engine))
}
