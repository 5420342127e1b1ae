//! The full-text index of done files (`search_docs`): SQLite FTS5 or MySQL FULLTEXT, per
//! `docs/decisions/0009-search.md`. Rows hold a file's name, address and text; they are written
//! by [`crate::search`] and removed with the file.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{Db, Dialect};
use crate::search::SearchQuery;

/// Hits ranked per search; pages past it are not offered.
pub const MAX_HITS: usize = 1000;

/// The ids of `owner`'s files in the index.
pub async fn indexed(db: &Db, owner: Uuid) -> Result<HashSet<Uuid>, sqlx::Error> {
    let ids: Vec<(String,)> = sqlx::query_as("SELECT file_id FROM search_docs WHERE owner = ?")
        .bind(owner.to_string())
        .fetch_all(&db.pool)
        .await?;
    Ok(ids.into_iter().filter_map(|(id,)| id.parse().ok()).collect())
}

/// Indexes a file; a file already there is left as it is (two searches may catch up at once).
pub async fn insert(
    db: &Db,
    owner: Uuid,
    file_id: Uuid,
    name: &str,
    url: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    let inserted =
        sqlx::query("INSERT INTO search_docs (owner, file_id, name, url, body) VALUES (?, ?, ?, ?, ?)")
            .bind(owner.to_string())
            .bind(file_id.to_string())
            .bind(name)
            .bind(url)
            .bind(body)
            .execute(&db.pool)
            .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(()),
        other => other.map(|_| ()),
    }
}

pub async fn rename(db: &Db, owner: Uuid, file_id: Uuid, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE search_docs SET name = ? WHERE owner = ? AND file_id = ?")
        .bind(name)
        .bind(owner.to_string())
        .bind(file_id.to_string())
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn delete(db: &Db, owner: Uuid, file_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM search_docs WHERE owner = ? AND file_id = ?")
        .bind(owner.to_string())
        .bind(file_id.to_string())
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// `owner`'s files that match, best first, at most [`MAX_HITS`]. A match counts most in the
/// name, then the address, then the text.
pub async fn search(db: &Db, owner: Uuid, query: &SearchQuery) -> Result<Vec<Uuid>, sqlx::Error> {
    let limit = MAX_HITS as i64;
    let ids: Vec<(String,)> = match db.dialect {
        Dialect::Sqlite => {
            sqlx::query_as(
                "SELECT d.file_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid \
                 WHERE search_fts MATCH ? AND d.owner = ? \
                 ORDER BY bm25(search_fts, 5.0, 2.0, 1.0), d.file_id DESC LIMIT ?",
            )
            .bind(query.fts5())
            .bind(owner.to_string())
            .bind(limit)
            .fetch_all(&db.pool)
            .await?
        }
        Dialect::MySql => {
            let Some(expression) = query.mysql() else {
                return Ok(Vec::new());
            };
            sqlx::query_as(
                "SELECT file_id FROM search_docs \
                 WHERE owner = ? AND MATCH (name, url, body) AGAINST (? IN BOOLEAN MODE) \
                 ORDER BY MATCH (name, url, body) AGAINST (? IN BOOLEAN MODE) DESC, file_id DESC LIMIT ?",
            )
            .bind(owner.to_string())
            .bind(&expression)
            .bind(&expression)
            .bind(limit)
            .fetch_all(&db.pool)
            .await?
        }
    };
    Ok(ids.into_iter().filter_map(|(id,)| id.parse().ok()).collect())
}

/// The indexed text of some of `owner`'s files, by id.
pub async fn bodies(db: &Db, owner: Uuid, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT file_id, body FROM search_docs WHERE owner = ? AND file_id IN ({})",
        vec!["?"; ids.len()].join(", ")
    );
    // sqlx's Any driver reads MySQL's TEXT columns as bytes.
    let rows: Vec<(String, String)> = match db.dialect {
        Dialect::Sqlite => {
            bind_ids(sqlx::query_as(&sql), owner, ids)
                .fetch_all(&db.pool)
                .await?
        }
        Dialect::MySql => {
            let rows: Vec<(String, Vec<u8>)> = bind_ids(sqlx::query_as(&sql), owner, ids)
                .fetch_all(&db.pool)
                .await?;
            rows.into_iter()
                .map(|(id, body)| (id, String::from_utf8_lossy(&body).into_owned()))
                .collect()
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, body)| Some((id.parse().ok()?, body)))
        .collect())
}

fn bind_ids<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    owner: Uuid,
    ids: &[Uuid],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    query = query.bind(owner.to_string());
    for id in ids {
        query = query.bind(id.to_string());
    }
    query
}
