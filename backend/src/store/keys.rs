//! API keys: kept only as the SHA-256 of the key, so the table never holds a usable credential.

use sqlx::FromRow;
use uuid::Uuid;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A key found by its hash, with its user: what a request authenticated by it needs.
#[derive(Debug, Clone, FromRow)]
pub struct KeyOwner {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub user_created_at: i64,
    pub last_used_at: Option<i64>,
}

pub async fn insert(
    db: &Db,
    id: Uuid,
    user_id: Uuid,
    name: &str,
    key_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_keys (id, user_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(id.to_string())
        .bind(user_id.to_string())
        .bind(name)
        .bind(key_hash)
        .bind(now)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn list(db: &Db, user_id: Uuid) -> Result<Vec<KeyRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id DESC",
    )
    .bind(user_id.to_string())
    .fetch_all(&db.pool)
    .await
}

pub async fn find_by_hash(db: &Db, key_hash: &str) -> Result<Option<KeyOwner>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.user_id, u.email, u.created_at AS user_created_at, k.last_used_at \
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
    )
    .bind(key_hash)
    .fetch_optional(&db.pool)
    .await
}

/// Records a use, unless one was recorded in the last minute: a busy script must not turn
/// every request into a write.
pub async fn touch(db: &Db, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
    )
    .bind(now)
    .bind(id)
    .bind(now - 60)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

/// Whether the key existed (among `user_id`'s).
pub async fn delete(db: &Db, user_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM api_keys WHERE id = ? AND user_id = ?")
        .bind(id.to_string())
        .bind(user_id.to_string())
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected() > 0)
}
