//! File records in the SQL database, each user's newest first.

use async_trait::async_trait;
use folio_core::ports::{FileFilter, Labels, PortError};
use sqlx::AnyPool;

/// File records in the SQL database (table `files`, created by this crate's migrations).
#[derive(Clone)]
pub struct SqlFileIndex {
    pool: AnyPool,
}

/// A `files` row as both dialects read it (see `FILE_COLUMNS`).
#[derive(sqlx::FromRow)]
struct FileRow {
    id: String,
    name: String,
    source_url: String,
    status: String,
    error: Option<String>,
    size_bytes: Option<i64>,
    pages: Option<i64>,
    engine: String,
    options: Vec<u8>,
    version: i64,
    tags: String,
    changed: Option<i64>,
    sha256: Option<String>,
    final_url: Option<String>,
    http_status: Option<i64>,
    captured_at: Option<i64>,
    warnings: String,
    retried: i64,
    created_at: i64,
    updated_at: i64,
}

const FILE_COLUMNS: &str =
    "id, name, source_url, status, error, size_bytes, pages, engine, options, version, tags, \
     changed, sha256, final_url, http_status, captured_at, warnings, retried, created_at, updated_at";

/// Tags as the `tags` column holds them: `,a,b,` (so `LIKE '%,a,%'` finds one), or `''`.
fn tags_column(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

fn tags_from_column(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Warning codes as the `warnings` column holds them: `a,b`, or `''`.
fn warnings_column(warnings: &[folio_core::Warning]) -> String {
    warnings
        .iter()
        .map(|warning| warning.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn warnings_from_column(column: &str) -> Result<Vec<folio_core::Warning>, PortError> {
    column
        .split(',')
        .filter(|code| !code.is_empty())
        .map(|code| {
            code.parse()
                .map_err(|e: folio_core::InvalidInput| PortError::Malformed(e.to_string()))
        })
        .collect()
}

fn index_error(e: sqlx::Error) -> PortError {
    PortError::Unavailable {
        port: "file index",
        reason: e.to_string(),
    }
}

fn from_ms(ms: i64) -> Result<time::OffsetDateTime, PortError> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| PortError::Malformed(e.to_string()))
}

fn to_ms(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

fn record(row: FileRow) -> Result<folio_core::FileRecord, PortError> {
    let malformed = |e: String| PortError::Malformed(e);
    Ok(folio_core::FileRecord {
        id: row
            .id
            .parse()
            .map_err(|e: uuid::Error| malformed(e.to_string()))?,
        name: row.name,
        source_url: row.source_url,
        status: row
            .status
            .parse()
            .map_err(|e: folio_core::InvalidInput| malformed(e.to_string()))?,
        error: row.error,
        size_bytes: row.size_bytes.map(|n| n.max(0) as u64),
        pages: row.pages.map(|n| n.clamp(0, i64::from(u32::MAX)) as u32),
        engine: row
            .engine
            .parse()
            .map_err(|e: folio_core::InvalidInput| malformed(e.to_string()))?,
        options: serde_json::from_slice(&row.options).map_err(|e| malformed(e.to_string()))?,
        version: row.version.clamp(1, i64::from(u32::MAX)) as u32,
        tags: tags_from_column(&row.tags),
        changed: row.changed.map(|changed| changed != 0),
        sha256: row.sha256,
        final_url: row.final_url,
        http_status: row.http_status.and_then(|status| u16::try_from(status).ok()),
        captured_at: row.captured_at.map(from_ms).transpose()?,
        warnings: warnings_from_column(&row.warnings)?,
        retried: row.retried != 0,
        snippet: None,
        created_at: from_ms(row.created_at)?,
        updated_at: from_ms(row.updated_at)?,
    })
}

impl SqlFileIndex {
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl folio_core::ports::FileIndex for SqlFileIndex {
    async fn insert(&self, owner: uuid::Uuid, file: &folio_core::FileRecord) -> Result<(), PortError> {
        let result = sqlx::query(
            "INSERT INTO files (id, owner, name, source_url, status, error, size_bytes, pages, engine, options, version, tags, \
             changed, sha256, final_url, http_status, captured_at, warnings, retried, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(file.id.to_string())
        .bind(owner.to_string())
        .bind(&file.name)
        .bind(&file.source_url)
        .bind(file.status.as_str())
        .bind(file.error.clone())
        .bind(file.size_bytes.map(|n| n as i64))
        .bind(file.pages.map(i64::from))
        .bind(file.engine.as_str())
        .bind(serde_json::Value::Object(file.options.clone()).to_string().into_bytes())
        .bind(i64::from(file.version))
        .bind(tags_column(&file.tags))
        .bind(file.changed.map(i64::from))
        .bind(file.sha256.clone())
        .bind(file.final_url.clone())
        .bind(file.http_status.map(i64::from))
        .bind(file.captured_at.map(to_ms))
        .bind(warnings_column(&file.warnings))
        .bind(i64::from(file.retried))
        .bind(to_ms(file.created_at))
        .bind(to_ms(file.updated_at))
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(()),
            Err(e) => Err(index_error(e)),
        }
    }

    async fn get(
        &self,
        owner: uuid::Uuid,
        id: uuid::Uuid,
    ) -> Result<Option<folio_core::FileRecord>, PortError> {
        let row: Option<FileRow> = sqlx::query_as(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE owner = ? AND id = ?"
        ))
        .bind(owner.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(index_error)?;
        row.map(record).transpose()
    }

    async fn list(
        &self,
        owner: uuid::Uuid,
        before: Option<uuid::Uuid>,
        limit: usize,
        filter: &FileFilter,
    ) -> Result<Vec<folio_core::FileRecord>, PortError> {
        // UUIDv7 ids sort by creation time as text, so the id is the cursor.
        let before = before.map_or_else(|| "~".to_owned(), |id| id.to_string());
        let mut conditions = String::new();
        if filter.source_url.is_some() {
            conditions.push_str(" AND source_url = ?");
        }
        if filter.tag.is_some() {
            // A tag is `[a-z0-9_-]`: `_` is the only LIKE wildcard it can hold.
            conditions.push_str(" AND tags LIKE ? ESCAPE '!'");
        }
        let sql = format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE owner = ? AND id < ?{conditions} ORDER BY id DESC LIMIT ?"
        );
        let mut query = sqlx::query_as::<_, FileRow>(&sql)
            .bind(owner.to_string())
            .bind(before);
        if let Some(url) = &filter.source_url {
            query = query.bind(url.clone());
        }
        if let Some(tag) = &filter.tag {
            query = query.bind(format!("%,{},%", tag.as_str().replace('_', "!_")));
        }
        let rows = query
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(index_error)?;
        rows.into_iter().map(record).collect()
    }

    async fn relabel(
        &self,
        owner: uuid::Uuid,
        id: uuid::Uuid,
        labels: Labels,
    ) -> Result<Option<folio_core::FileRecord>, PortError> {
        let done = sqlx::query(
            "UPDATE files SET name = COALESCE(?, name), tags = COALESCE(?, tags), updated_at = ? WHERE owner = ? AND id = ?",
        )
        .bind(labels.name)
        .bind(labels.tags.map(|tags| tags_column(&tags.to_strings())))
        .bind(to_ms(time::OffsetDateTime::now_utc()))
        .bind(owner.to_string())
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .map_err(index_error)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(owner, id).await
    }

    async fn transition(
        &self,
        owner: uuid::Uuid,
        id: uuid::Uuid,
        from: &[folio_core::FileStatus],
        update: folio_core::ports::FileUpdate,
    ) -> Result<Option<folio_core::FileRecord>, PortError> {
        if from.is_empty() {
            return Ok(None);
        }
        let placeholders = vec!["?"; from.len()].join(", ");
        let sql = format!(
            "UPDATE files SET status = COALESCE(?, status), name = COALESCE(?, name), error = COALESCE(?, error), \
             size_bytes = COALESCE(?, size_bytes), pages = COALESCE(?, pages), engine = COALESCE(?, engine), \
             changed = COALESCE(?, changed), sha256 = COALESCE(?, sha256), final_url = COALESCE(?, final_url), \
             http_status = COALESCE(?, http_status), captured_at = COALESCE(?, captured_at), \
             warnings = COALESCE(?, warnings), retried = COALESCE(?, retried), updated_at = ? \
             WHERE owner = ? AND id = ? AND status IN ({placeholders})"
        );
        let mut query = sqlx::query(&sql)
            .bind(update.status.map(|s| s.as_str().to_owned()))
            .bind(update.name)
            .bind(update.error)
            .bind(update.size_bytes.map(|n| n as i64))
            .bind(update.pages.map(i64::from))
            .bind(update.engine.map(|e| e.as_str().to_owned()))
            .bind(update.changed.map(i64::from))
            .bind(update.sha256)
            .bind(update.final_url)
            .bind(update.http_status.map(i64::from))
            .bind(update.captured_at.map(to_ms))
            .bind(update.warnings.as_deref().map(warnings_column))
            .bind(update.retried.map(i64::from))
            .bind(to_ms(time::OffsetDateTime::now_utc()))
            .bind(owner.to_string())
            .bind(id.to_string());
        for status in from {
            query = query.bind(status.as_str());
        }
        let done = query.execute(&self.pool).await.map_err(index_error)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        self.get(owner, id).await
    }

    async fn delete(&self, owner: uuid::Uuid, id: uuid::Uuid) -> Result<bool, PortError> {
        sqlx::query("DELETE FROM files WHERE owner = ? AND id = ?")
            .bind(owner.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected() > 0)
            .map_err(index_error)
    }

    async fn usage(&self, owner: uuid::Uuid) -> Result<folio_core::ports::Usage, PortError> {
        // MySQL sums to DECIMAL; the casts keep both dialects on 64-bit integers.
        let (pending, stored): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN status IN ('queued', 'rendering') THEN 1 ELSE 0 END), 0) AS SIGNED), \
             CAST(COALESCE(SUM(CASE WHEN status = 'done' THEN size_bytes ELSE 0 END), 0) AS SIGNED) \
             FROM files WHERE owner = ?",
        )
        .bind(owner.to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(index_error)?;
        Ok(folio_core::ports::Usage {
            pending_jobs: pending.max(0) as u64,
            stored_bytes: stored.max(0) as u64,
        })
    }
}
