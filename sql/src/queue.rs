//! The embedded queue: jobs as rows of the SQL database the backend already uses (SQLite or
//! MySQL), with SQS-like leases. A job survives anything the database survives, including a
//! SIGKILL of the process in the middle of a render: its lease runs out and it is handed out
//! again after a restart.
//!
//! The table `job_queue` is created by this crate's migrations.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::AnyPool;
use tokio::sync::Notify;

use folio_core::ports::{Delivery, JobQueue, PortError};
use folio_core::RenderJob;

/// Longest a waiting receiver sleeps before looking again, to notice leases that ran out.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct SqlQueue {
    pool: AnyPool,
    /// Wakes receivers in this process at once when a job is enqueued.
    arrived: Arc<Notify>,
}

fn unavailable(e: sqlx::Error) -> PortError {
    PortError::Unavailable {
        port: "job queue",
        reason: e.to_string(),
    }
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4)
}

impl SqlQueue {
    pub fn new(pool: AnyPool) -> Self {
        Self {
            pool,
            arrived: Arc::new(Notify::new()),
        }
    }

    /// Makes every leased job visible again at once. Only for a database that a single process
    /// uses (SQLite): at start-up, any lease there belongs to a process that died, and waiting
    /// for it to run out would delay those jobs for nothing.
    pub async fn reclaim_leases(&self) -> Result<u64, PortError> {
        let now = now_ms();
        sqlx::query("UPDATE job_queue SET visible_at = ? WHERE receipt IS NOT NULL AND visible_at > ?")
            .bind(now)
            .bind(now)
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(unavailable)
    }

    /// One attempt to lease the oldest visible job. Two statements keep it portable across
    /// SQLite and MySQL (neither `UPDATE … RETURNING` nor `SELECT … FOR UPDATE SKIP LOCKED` is
    /// in both): the look reads the job with its id, and the conditional update makes the claim
    /// race-free: of two workers that picked the same row, only one changes it.
    async fn try_claim(&self, lease: Duration) -> Result<Option<Delivery>, PortError> {
        loop {
            let now = now_ms();
            let candidate: Option<(String, Vec<u8>, i64)> = sqlx::query_as(
                "SELECT id, body, receive_count FROM job_queue WHERE visible_at <= ? \
                 ORDER BY visible_at, id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
            let Some((id, body, receive_count)) = candidate else {
                return Ok(None);
            };
            let receipt = uuid::Uuid::new_v4().to_string();
            // The count read above must still be the row's: a claim made and given back in
            // between moved it, and this one then looks again.
            let claimed = sqlx::query(
                "UPDATE job_queue SET visible_at = ?, receipt = ?, receive_count = receive_count + 1 \
                 WHERE id = ? AND visible_at <= ? AND receive_count = ?",
            )
            .bind(now + ms(lease))
            .bind(&receipt)
            .bind(&id)
            .bind(now)
            .bind(receive_count)
            .execute(&self.pool)
            .await
            .map_err(|e| self.undo_claim_later(&id, &receipt, lease, e))?;
            if claimed.rows_affected() == 0 {
                continue; // Another worker won this one; look again.
            }
            return match serde_json::from_slice::<RenderJob>(&body) {
                Ok(job) => Ok(Some(Delivery {
                    job,
                    receipt,
                    receive_count: u32::try_from(receive_count + 1).unwrap_or(u32::MAX),
                })),
                Err(e) => {
                    // Unreadable forever: drop it rather than hand it out again and again.
                    let _ = self.cancel_raw(&id).await;
                    Err(PortError::Malformed(e.to_string()))
                }
            };
        }
    }

    /// A claim whose answer was lost (the database went away mid-statement) may still have
    /// been made: then the job would sit out the whole lease with nobody rendering it. Until
    /// the lease would end anyway, this keeps trying to hand it back, by its receipt, which
    /// touches nothing if the claim was never made.
    fn undo_claim_later(&self, id: &str, receipt: &str, lease: Duration, error: sqlx::Error) -> PortError {
        let (queue, id, receipt) = (self.clone(), id.to_owned(), receipt.to_owned());
        let until = tokio::time::Instant::now() + lease;
        tokio::spawn(async move {
            while tokio::time::Instant::now() < until {
                if queue.visible_again(&id, &receipt, Duration::ZERO).await.is_ok() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        unavailable(error)
    }

    /// Makes the job claimed with `receipt` visible again after `delay` (if that claim still
    /// holds it), and wakes the receivers waiting here.
    async fn visible_again(&self, id: &str, receipt: &str, delay: Duration) -> Result<(), PortError> {
        sqlx::query("UPDATE job_queue SET visible_at = ? WHERE id = ? AND receipt = ?")
            .bind(now_ms() + ms(delay))
            .bind(id)
            .bind(receipt)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        self.arrived.notify_waiters();
        Ok(())
    }

    async fn cancel_raw(&self, id: &str) -> Result<(), PortError> {
        sqlx::query("DELETE FROM job_queue WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}

#[async_trait]
impl JobQueue for SqlQueue {
    async fn depth(&self) -> Result<Option<u64>, PortError> {
        let (waiting,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM job_queue WHERE visible_at <= ?")
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(Some(u64::try_from(waiting).unwrap_or(0)))
    }

    async fn cancel(&self, job_id: uuid::Uuid) -> Result<bool, PortError> {
        sqlx::query("DELETE FROM job_queue WHERE id = ?")
            .bind(job_id.to_string())
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected() > 0)
            .map_err(unavailable)
    }

    async fn enqueue(&self, job: &RenderJob) -> Result<(), PortError> {
        let body = serde_json::to_vec(job).map_err(|e| PortError::Malformed(e.to_string()))?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO job_queue (id, body, visible_at, receive_count, created_at) VALUES (?, ?, ?, 0, ?)",
        )
        .bind(job.job_id.to_string())
        .bind(body)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        self.arrived.notify_waiters();
        Ok(())
    }

    async fn receive(&self, wait: Duration, lease: Duration) -> Result<Option<Delivery>, PortError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Register interest before looking, so an enqueue between the look and the wait
            // still wakes this receiver.
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(delivery) = self.try_claim(lease).await? {
                return Ok(Some(delivery));
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let nap = POLL_INTERVAL.min(deadline - now);
            let _ = tokio::time::timeout(nap, arrived).await;
        }
    }

    async fn complete(&self, delivery: &Delivery) -> Result<bool, PortError> {
        sqlx::query("DELETE FROM job_queue WHERE id = ? AND receipt = ?")
            .bind(delivery.job.job_id.to_string())
            .bind(&delivery.receipt)
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected() > 0)
            .map_err(unavailable)
    }

    async fn release(&self, delivery: &Delivery, delay: Duration) -> Result<(), PortError> {
        self.visible_again(&delivery.job.job_id.to_string(), &delivery.receipt, delay)
            .await
    }
}
