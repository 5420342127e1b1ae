//! Scheduled re-captures. A due run is claimed by moving the schedule's next run forward with a
//! conditional update, so several backend processes on one database run each one once.

use sqlx::FromRow;
use uuid::Uuid;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct ScheduleRow {
    pub id: String,
    pub owner: String,
    pub url: String,
    /// The options as sent, JSON.
    pub options: Vec<u8>,
    pub engine: String,
    pub every_seconds: i64,
    pub next_run_ms: i64,
    pub last_file_id: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, owner, url, options, engine, every_seconds, next_run_ms, last_file_id, created_at";

pub async fn insert(db: &Db, row: &ScheduleRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO schedules (id, owner, url, options, engine, every_seconds, next_run_ms, last_file_id, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.id)
    .bind(&row.owner)
    .bind(&row.url)
    .bind(row.options.clone())
    .bind(&row.engine)
    .bind(row.every_seconds)
    .bind(row.next_run_ms)
    .bind(row.last_file_id.clone())
    .bind(row.created_at)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn list(db: &Db, owner: Uuid) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE owner = ? ORDER BY created_at, id"
    ))
    .bind(owner.to_string())
    .fetch_all(&db.pool)
    .await
}

pub async fn count(db: &Db, owner: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM schedules WHERE owner = ?")
        .bind(owner.to_string())
        .fetch_one(&db.pool)
        .await
}

pub async fn delete(db: &Db, owner: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM schedules WHERE owner = ? AND id = ?")
        .bind(owner.to_string())
        .bind(id.to_string())
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() > 0)
}

pub async fn due(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<ScheduleRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE next_run_ms <= ? ORDER BY next_run_ms LIMIT ?"
    ))
    .bind(now_ms)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Takes a due run for this process by moving the schedule on to `next_ms`, unless another
/// process took it first (the next run it read is no longer the next run).
pub async fn claim(db: &Db, row: &ScheduleRow, next_ms: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE schedules SET next_run_ms = ? WHERE id = ? AND next_run_ms = ?")
        .bind(next_ms)
        .bind(&row.id)
        .bind(row.next_run_ms)
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() == 1)
}

pub async fn ran(db: &Db, id: &str, file_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE schedules SET last_file_id = ? WHERE id = ?")
        .bind(file_id.to_string())
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// When the earliest schedule is due, if there is one.
pub async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MIN(next_run_ms) FROM schedules")
        .fetch_one(&db.pool)
        .await
}
