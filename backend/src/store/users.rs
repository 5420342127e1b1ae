//! Accounts.

use sqlx::FromRow;
use uuid::Uuid;

use super::Db;

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

pub async fn insert(
    db: &Db,
    id: Uuid,
    email: &str,
    password_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
        .bind(id.to_string())
        .bind(email)
        .bind(password_hash)
        .bind(now)
        .bind(now)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE email = ?")
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

pub async fn find_by_id(db: &Db, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&db.pool)
        .await
}

pub async fn set_password_hash(db: &Db, id: Uuid, password_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?")
        .bind(password_hash)
        .bind(now)
        .bind(id.to_string())
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Removes the account; sessions and file records go with it (foreign keys cascade).
pub async fn delete(db: &Db, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(id.to_string())
        .execute(&db.pool)
        .await
        .map(|_| ())
}
