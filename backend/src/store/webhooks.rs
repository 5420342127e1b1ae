//! Webhooks, the files whose end they await, the deliveries still to make and the log of
//! attempts. Work rows are claimed by moving their due time forward with a conditional update,
//! so several backend processes on one database never deliver the same attempt twice.

use sqlx::FromRow;
use uuid::Uuid;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct WebhookRow {
    pub id: String,
    pub owner: String,
    pub url: String,
    /// Comma-separated event names.
    pub events: String,
    pub secret: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct WatchRow {
    pub file_id: String,
    pub owner: String,
    pub next_check_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub file_id: String,
    pub body: Vec<u8>,
    pub attempt: i64,
    pub next_attempt_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub event: String,
    pub file_id: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub attempt: i64,
    pub delivered_at: i64,
}

const HOOK_COLUMNS: &str = "id, owner, url, events, secret, created_at";

pub async fn insert(db: &Db, hook: &WebhookRow) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO webhooks (id, owner, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(&hook.id)
        .bind(&hook.owner)
        .bind(&hook.url)
        .bind(&hook.events)
        .bind(&hook.secret)
        .bind(hook.created_at)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn list(db: &Db, owner: Uuid) -> Result<Vec<WebhookRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks WHERE owner = ? ORDER BY created_at DESC, id DESC"
    ))
    .bind(owner.to_string())
    .fetch_all(&db.pool)
    .await
}

pub async fn get(db: &Db, owner: Uuid, id: Uuid) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = ? AND owner = ?"
    ))
    .bind(id.to_string())
    .bind(owner.to_string())
    .fetch_optional(&db.pool)
    .await
}

pub async fn get_by_id(db: &Db, id: &str) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Whether the hook existed (among `owner`'s); its pending deliveries and log go with it.
pub async fn delete(db: &Db, owner: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM webhooks WHERE id = ? AND owner = ?")
        .bind(id.to_string())
        .bind(owner.to_string())
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() > 0)
}

/// Awaits the end of `file_id`, if its owner has any webhook and it is not awaited already.
pub async fn watch_if_hooked(db: &Db, owner: Uuid, file_id: Uuid, now_ms: i64) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_watches (file_id, owner, next_check_at) \
         SELECT ?, ?, ? FROM webhooks WHERE owner = ? \
         AND NOT EXISTS (SELECT 1 FROM webhook_watches WHERE file_id = ?) LIMIT 1",
    )
    .bind(file_id.to_string())
    .bind(owner.to_string())
    .bind(now_ms)
    .bind(owner.to_string())
    .bind(file_id.to_string())
    .execute(&db.pool)
    .await
    .map(|done| done.rows_affected() > 0)
}

pub async fn due_watches(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<WatchRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT file_id, owner, next_check_at FROM webhook_watches WHERE next_check_at <= ? \
         ORDER BY next_check_at LIMIT ?",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Takes a due watch for this process until `until_ms`, unless another process took it first.
pub async fn claim_watch(db: &Db, watch: &WatchRow, until_ms: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE webhook_watches SET next_check_at = ? WHERE file_id = ? AND next_check_at = ?")
        .bind(until_ms)
        .bind(&watch.file_id)
        .bind(watch.next_check_at)
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() == 1)
}

pub async fn recheck_watch(db: &Db, file_id: &str, at_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhook_watches SET next_check_at = ? WHERE file_id = ?")
        .bind(at_ms)
        .bind(file_id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Ends a watch, queueing the deliveries it produced in the same transaction: a process dying
/// between the two can neither lose them nor queue them twice.
pub async fn end_watch(db: &Db, file_id: &str, jobs: &[JobRow]) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    for job in jobs {
        sqlx::query(
            "INSERT INTO webhook_jobs (id, webhook_id, event, file_id, body, attempt, next_attempt_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&job.id)
        .bind(&job.webhook_id)
        .bind(&job.event)
        .bind(&job.file_id)
        .bind(&job.body)
        .bind(job.attempt)
        .bind(job.next_attempt_at)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM webhook_watches WHERE file_id = ?")
        .bind(file_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn due_jobs(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<JobRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, webhook_id, event, file_id, body, attempt, next_attempt_at FROM webhook_jobs \
         WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Takes a due delivery for this process until `until_ms` (then it is due again, should this
/// process die mid-delivery: at least once).
pub async fn claim_job(db: &Db, job: &JobRow, until_ms: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE webhook_jobs SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ?")
        .bind(until_ms)
        .bind(&job.id)
        .bind(job.next_attempt_at)
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() == 1)
}

pub async fn retry_job(db: &Db, id: &str, attempt: i64, at_ms: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhook_jobs SET attempt = ?, next_attempt_at = ? WHERE id = ?")
        .bind(attempt)
        .bind(at_ms)
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn delete_job(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webhook_jobs WHERE id = ?")
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Deliveries kept per webhook.
pub const KEPT_DELIVERIES: i64 = 50;

/// Logs an attempt and forgets those older than the last [`KEPT_DELIVERIES`].
pub async fn log_delivery(db: &Db, webhook_id: &str, delivery: &DeliveryRow) -> Result<(), sqlx::Error> {
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, webhook_id, event, file_id, status_code, error, attempt, delivered_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(webhook_id)
    .bind(&delivery.event)
    .bind(&delivery.file_id)
    .bind(delivery.status_code)
    .bind(&delivery.error)
    .bind(delivery.attempt)
    .bind(delivery.delivered_at)
    .execute(&db.pool)
    .await?;
    // Ids are time-ordered (UUIDv7): everything below the oldest kept one goes.
    let oldest_kept: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
    )
    .bind(webhook_id)
    .bind(KEPT_DELIVERIES - 1)
    .fetch_optional(&db.pool)
    .await?;
    if let Some((oldest_kept,)) = oldest_kept {
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id < ?")
            .bind(webhook_id)
            .bind(oldest_kept)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// The last [`KEPT_DELIVERIES`] attempts, newest first.
pub async fn deliveries(db: &Db, webhook_id: Uuid) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT event, file_id, status_code, error, attempt, delivered_at FROM webhook_deliveries \
         WHERE webhook_id = ? ORDER BY id DESC LIMIT ?",
    )
    .bind(webhook_id.to_string())
    .bind(KEPT_DELIVERIES)
    .fetch_all(&db.pool)
    .await
}

/// When the earliest watch or delivery is due (Unix milliseconds), if there is any.
pub async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    let watch: Option<(i64,)> =
        sqlx::query_as("SELECT next_check_at FROM webhook_watches ORDER BY next_check_at LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    let job: Option<(i64,)> =
        sqlx::query_as("SELECT next_attempt_at FROM webhook_jobs ORDER BY next_attempt_at LIMIT 1")
            .fetch_optional(&db.pool)
            .await?;
    Ok(watch.into_iter().chain(job).map(|(at,)| at).min())
}
