//! The embedded queue: jobs as rows of the SQL database the backend already uses (SQLite or
//! MySQL), with SQS-like leases. A job survives anything the database survives, including a
//! SIGKILL of the process in the middle of a render: its lease runs out and it is handed out
//! again after a restart.
//!
//! The table `job_queue` is created by the backend's migrations.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::AnyPool;
use tokio::sync::Notify;

use super::{Delivery, JobQueue, PortError};
use crate::RenderJob;

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

    /// Jobs waiting or leased.
    pub async fn pending_count(&self) -> Result<u64, PortError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM job_queue")
            .fetch_one(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(count.max(0) as u64)
    }

    /// One attempt to lease the oldest visible job. Two statements keep it portable across
    /// SQLite and MySQL; the conditional update makes the claim race-free: of two workers that
    /// picked the same row, only one changes it.
    async fn try_claim(&self, lease: Duration) -> Result<Option<Delivery>, PortError> {
        loop {
            let now = now_ms();
            let candidate: Option<(String,)> = sqlx::query_as(
                "SELECT id FROM job_queue WHERE visible_at <= ? ORDER BY visible_at, id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
            let Some((id,)) = candidate else {
                return Ok(None);
            };
            let receipt = uuid::Uuid::new_v4().to_string();
            let claimed = sqlx::query(
                "UPDATE job_queue SET visible_at = ?, receipt = ?, receive_count = receive_count + 1 \
                 WHERE id = ? AND visible_at <= ?",
            )
            .bind(now + ms(lease))
            .bind(&receipt)
            .bind(&id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
            if claimed.rows_affected() == 0 {
                continue; // Another worker won this one; look again.
            }
            let (body, receive_count): (Vec<u8>, i64) =
                sqlx::query_as("SELECT body, receive_count FROM job_queue WHERE id = ?")
                    .bind(&id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(unavailable)?;
            return match serde_json::from_slice::<RenderJob>(&body) {
                Ok(job) => Ok(Some(Delivery {
                    job,
                    receipt,
                    receive_count: u32::try_from(receive_count).unwrap_or(u32::MAX),
                })),
                Err(e) => {
                    // Unreadable forever: drop it rather than hand it out again and again.
                    let _ = self.cancel_raw(&id).await;
                    Err(PortError::Malformed(e.to_string()))
                }
            };
        }
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
        sqlx::query("UPDATE job_queue SET visible_at = ? WHERE id = ? AND receipt = ?")
            .bind(now_ms() + ms(delay))
            .bind(delivery.job.job_id.to_string())
            .bind(&delivery.receipt)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(unavailable)?;
        self.arrived.notify_waiters();
        Ok(())
    }
}

/// PDFs as files under a folder (the data directory's `objects/`), keyed like the S3 bucket.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: std::path::PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<std::path::PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Keys are generated by Folio, but a path is only ever built from one that cannot climb
    /// out of the root.
    fn path(&self, key: &str) -> Result<std::path::PathBuf, PortError> {
        let safe = !key.is_empty()
            && !key.starts_with('/')
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if safe {
            Ok(self.root.join(key))
        } else {
            Err(PortError::Malformed(format!("{key:?} is not a valid object key")))
        }
    }
}

fn store_error(e: std::io::Error) -> PortError {
    PortError::Unavailable {
        port: "object store",
        reason: e.to_string(),
    }
}

#[async_trait]
impl super::ObjectStore for LocalStore {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        let path = self.path(key)?;
        let dir = path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| self.root.clone());
        // Users' PDFs are for Folio's eyes only: folders 0700, files 0600.
        let mut folders = tokio::fs::DirBuilder::new();
        folders.recursive(true);
        #[cfg(unix)]
        folders.mode(0o700);
        folders.create(&dir).await.map_err(store_error)?;
        // Written beside the target and renamed: a reader never sees half a PDF, and a crash
        // mid-write leaves only a temporary file behind.
        let temp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        let write = async {
            use tokio::io::AsyncWriteExt;
            let mut options = tokio::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            options.mode(0o600);
            let mut file = options.open(&temp).await?;
            file.write_all(&bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&temp, &path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(store_error(e));
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<super::StoredObject>, PortError> {
        let file = match tokio::fs::File::open(self.path(key)?).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(store_error(e)),
        };
        let size = file.metadata().await.map_err(store_error)?.len();
        Ok(Some(super::StoredObject {
            size,
            body: Box::pin(file),
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::ObjectStore;

    async fn contents(store: &LocalStore, key: &str) -> Option<Vec<u8>> {
        let object = store.get(key).await.unwrap()?;
        Some(object.bytes().await.unwrap())
    }

    #[tokio::test]
    async fn local_store_puts_gets_replaces_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        let key = crate::jobs::names::object_key(uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        assert_eq!(contents(&store, &key).await, None);
        store.put(&key, b"%PDF-1 first".to_vec()).await.unwrap();
        store.put(&key, b"%PDF-1 second".to_vec()).await.unwrap();
        assert_eq!(
            contents(&store, &key).await.as_deref(),
            Some(&b"%PDF-1 second"[..])
        );
        store.delete(&key).await.unwrap();
        store.delete(&key).await.unwrap();
        assert_eq!(contents(&store, &key).await, None);
        let leftovers: Vec<_> = walk(dir.path()).into_iter().filter(|p| p.is_file()).collect();
        assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
    }

    #[tokio::test]
    async fn local_store_refuses_keys_that_leave_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("objects"));
        for key in [
            "../escape.pdf",
            "users/../../etc/passwd",
            "/etc/passwd",
            "users//x.pdf",
            "",
            "users/a b.pdf",
        ] {
            assert!(
                matches!(store.get(key).await, Err(PortError::Malformed(_))),
                "{key:?}"
            );
            assert!(store.put(key, vec![1]).await.is_err(), "{key:?}");
        }
        assert!(!dir.path().join("escape.pdf").exists());
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walk(&path));
            } else {
                found.push(path);
            }
        }
        found
    }
}

/// File records in the SQL database (table `files`, created by the backend's migrations).
#[derive(Clone)]
pub struct SqlFileIndex {
    pool: AnyPool,
}

type FileRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
    i64,
    i64,
);

const FILE_COLUMNS: &str =
    "id, name, source_url, status, error, size_bytes, pages, engine, created_at, updated_at";

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

fn record(row: FileRow) -> Result<crate::FileRecord, PortError> {
    let (id, name, source_url, status, error, size_bytes, pages, engine, created_at, updated_at) = row;
    let malformed = |e: String| PortError::Malformed(e);
    Ok(crate::FileRecord {
        id: id.parse().map_err(|e: uuid::Error| malformed(e.to_string()))?,
        name,
        source_url,
        status: status.parse().map_err(malformed)?,
        error,
        size_bytes: size_bytes.map(|n| n.max(0) as u64),
        pages: pages.map(|n| n.clamp(0, i64::from(u32::MAX)) as u32),
        engine: engine
            .parse()
            .map_err(|e: crate::InvalidInput| malformed(e.to_string()))?,
        created_at: from_ms(created_at)?,
        updated_at: from_ms(updated_at)?,
    })
}

impl SqlFileIndex {
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl super::FileIndex for SqlFileIndex {
    async fn insert(&self, owner: uuid::Uuid, file: &crate::FileRecord) -> Result<(), PortError> {
        let result = sqlx::query(
            "INSERT INTO files (id, owner, name, source_url, status, error, size_bytes, pages, engine, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    async fn get(&self, owner: uuid::Uuid, id: uuid::Uuid) -> Result<Option<crate::FileRecord>, PortError> {
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
    ) -> Result<Vec<crate::FileRecord>, PortError> {
        // UUIDv7 ids sort by creation time as text, so the id is the cursor.
        let before = before.map_or_else(|| "~".to_owned(), |id| id.to_string());
        let rows: Vec<FileRow> = sqlx::query_as(&format!(
            "SELECT {FILE_COLUMNS} FROM files WHERE owner = ? AND id < ? ORDER BY id DESC LIMIT ?"
        ))
        .bind(owner.to_string())
        .bind(before)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(index_error)?;
        rows.into_iter().map(record).collect()
    }

    async fn transition(
        &self,
        owner: uuid::Uuid,
        id: uuid::Uuid,
        from: &[crate::FileStatus],
        update: super::FileUpdate,
    ) -> Result<Option<crate::FileRecord>, PortError> {
        if from.is_empty() {
            return Ok(None);
        }
        let placeholders = vec!["?"; from.len()].join(", ");
        let sql = format!(
            "UPDATE files SET status = COALESCE(?, status), name = COALESCE(?, name), error = COALESCE(?, error), \
             size_bytes = COALESCE(?, size_bytes), pages = COALESCE(?, pages), engine = COALESCE(?, engine), updated_at = ? \
             WHERE owner = ? AND id = ? AND status IN ({placeholders})"
        );
        let mut query = sqlx::query(&sql)
            .bind(update.status.map(|s| s.as_str().to_owned()))
            .bind(update.name)
            .bind(update.error)
            .bind(update.size_bytes.map(|n| n as i64))
            .bind(update.pages.map(i64::from))
            .bind(update.engine.map(|e| e.as_str().to_owned()))
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

    async fn usage(&self, owner: uuid::Uuid) -> Result<super::Usage, PortError> {
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
        Ok(super::Usage {
            pending_jobs: pending.max(0) as u64,
            stored_bytes: stored.max(0) as u64,
        })
    }
}
