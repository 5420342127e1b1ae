//! Share links: a random token that opens one file, until it expires or is revoked.

use sqlx::FromRow;
use uuid::Uuid;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct ShareRow {
    pub id: String,
    pub token: String,
    pub owner: String,
    pub file_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str = "id, token, owner, file_id, created_at, expires_at";

pub async fn insert(db: &Db, share: &ShareRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO shares (id, token, owner, file_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&share.id)
    .bind(&share.token)
    .bind(&share.owner)
    .bind(&share.file_id)
    .bind(share.created_at)
    .bind(share.expires_at)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

/// The share a token opens, if it has not expired.
pub async fn find_live(db: &Db, token: &str, now: i64) -> Result<Option<ShareRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM shares WHERE token = ? AND expires_at > ?"
    ))
    .bind(token)
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// A file's links that have not expired, newest first.
pub async fn list_live(db: &Db, owner: Uuid, file_id: Uuid, now: i64) -> Result<Vec<ShareRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM shares WHERE owner = ? AND file_id = ? AND expires_at > ? \
         ORDER BY created_at DESC, id DESC"
    ))
    .bind(owner.to_string())
    .bind(file_id.to_string())
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Whether the link existed (among `owner`'s).
pub async fn delete(db: &Db, owner: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM shares WHERE id = ? AND owner = ?")
        .bind(id.to_string())
        .bind(owner.to_string())
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() > 0)
}

/// Every link to a file, when the file goes; expired links of the owner go with them.
pub async fn delete_for_file(db: &Db, owner: Uuid, file_id: Uuid, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM shares WHERE owner = ? AND (file_id = ? OR expires_at <= ?)")
        .bind(owner.to_string())
        .bind(file_id.to_string())
        .bind(now)
        .execute(&db.pool)
        .await
        .map(|_| ())
}
