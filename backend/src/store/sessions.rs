//! Issued session tokens, by `jti`, so that a token can be revoked before it expires.

use sqlx::FromRow;
use uuid::Uuid;

use super::Db;

/// A session joined with its user: everything a request needs to know about its caller.
#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub user_id: String,
    pub email: String,
    pub user_created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn insert(
    db: &Db,
    jti: Uuid,
    user_id: Uuid,
    issued_at: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (jti, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?)")
        .bind(jti.to_string())
        .bind(user_id.to_string())
        .bind(issued_at)
        .bind(expires_at)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn find(db: &Db, jti: Uuid) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.user_id, u.email, u.created_at AS user_created_at, s.expires_at, s.revoked_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.jti = ?",
    )
    .bind(jti.to_string())
    .fetch_optional(&db.pool)
    .await
}

pub async fn revoke(db: &Db, jti: Uuid, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL")
        .bind(now)
        .bind(jti.to_string())
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Revokes every live session of `user_id` except `keep` (the caller's own, when there is one).
pub async fn revoke_all_for_user(
    db: &Db,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let keep = keep.map(|jti| jti.to_string()).unwrap_or_default();
    sqlx::query("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND jti <> ? AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id.to_string())
        .bind(keep)
        .execute(&db.pool)
        .await
        .map(|done| done.rows_affected())
}

/// Expired rows serve no purpose once the token itself is past `exp`; trimmed at each sign-in.
pub async fn delete_expired_for_user(db: &Db, user_id: Uuid, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND expires_at < ?")
        .bind(user_id.to_string())
        .bind(now)
        .execute(&db.pool)
        .await
        .map(|_| ())
}
