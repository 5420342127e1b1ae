//! Ports: what the job pipeline needs from its surroundings. The implementations live beside
//! their infrastructure: `folio-sql` (the embedded queue and file index, local files) for one
//! machine, `folio-aws` (SQS, S3, DynamoDB) for many.
//!

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::AsyncRead;

use uuid::Uuid;

use crate::{FileRecord, FileStatus, RenderJob, Tag, Tags};

/// The three ports a job touches, as a process wires them.
#[derive(Clone)]
pub struct Ports {
    pub queue: Arc<dyn JobQueue>,
    pub store: Arc<dyn ObjectStore>,
    pub index: Arc<dyn FileIndex>,
}

/// A job handed to a worker, leased to it until it completes or releases it. A lease that runs
/// out (the worker crashed or was killed) makes the job available again: delivery is at least
/// once, so handling a job must be idempotent.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub job: RenderJob,
    /// Proves which lease an acknowledgement is for; a stale one acknowledges nothing.
    pub receipt: String,
    /// How many times the job has been handed out, this time included.
    pub receive_count: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("the {port} is unavailable: {reason}")]
    Unavailable { port: &'static str, reason: String },
    /// No room left (a full disk): trying again will not help until something is deleted.
    #[error("the {port} is full: {reason}")]
    Full { port: &'static str, reason: String },
    /// A message that is not a job this version understands; it is dropped, not retried.
    #[error("malformed job message: {0}")]
    Malformed(String),
}

#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    async fn enqueue(&self, job: &RenderJob) -> Result<(), PortError>;

    /// The next visible job, leased for `lease`; waits up to `wait` for one to arrive.
    async fn receive(&self, wait: Duration, lease: Duration) -> Result<Option<Delivery>, PortError>;

    /// Done with the job, for good. `false` if the lease had already passed to someone else.
    async fn complete(&self, delivery: &Delivery) -> Result<bool, PortError>;

    /// Gives the job back to be retried after `delay`.
    async fn release(&self, delivery: &Delivery, delay: Duration) -> Result<(), PortError>;

    /// Drops a job no worker has started on yet (its file was deleted); `false` if there was
    /// none waiting, or the queue cannot take messages back (SQS: the worker then finds the
    /// file gone and skips the job).
    async fn cancel(&self, _job_id: Uuid) -> Result<bool, PortError> {
        Ok(false)
    }

    /// How many jobs wait to be taken, when the queue can say cheaply (`None` for SQS, which
    /// reports its depth to CloudWatch itself).
    async fn depth(&self) -> Result<Option<u64>, PortError> {
        Ok(None)
    }
}

/// Where PDFs are kept, by key (`users/{user_id}/{file_id}.pdf`, see [`crate::jobs::names`]).
#[async_trait]
pub trait ObjectStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there; all or nothing.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), PortError>;
    /// The object to read as it arrives (never whole in memory), or `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<StoredObject>, PortError>;
    /// Removes the object; removing one that is not there is not an error.
    async fn delete(&self, key: &str) -> Result<(), PortError>;
    /// A small object read whole as text (a page's text beside its PDF), or `None`.
    async fn get_text(&self, key: &str) -> Result<Option<String>, PortError> {
        let Some(object) = self.get(key).await? else {
            return Ok(None);
        };
        let bytes = object.bytes().await.map_err(|e| PortError::Unavailable {
            port: "object store",
            reason: e.to_string(),
        })?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }
    /// A URL that downloads the object directly for `ttl`, served with `content_disposition`;
    /// `None` when the store cannot hand out such links (a local folder).
    async fn presigned_download(
        &self,
        _key: &str,
        _content_disposition: &str,
        _ttl: Duration,
    ) -> Result<Option<String>, PortError> {
        Ok(None)
    }
}

/// An object being read from the store.
pub struct StoredObject {
    /// Its length in bytes.
    pub size: u64,
    pub body: Pin<Box<dyn AsyncRead + Send>>,
}

impl StoredObject {
    /// Reads the whole object; for objects known to be small, and tests.
    pub async fn bytes(mut self) -> std::io::Result<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        let mut bytes = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0).min(1 << 20));
        self.body.read_to_end(&mut bytes).await?;
        Ok(bytes)
    }
}

impl std::fmt::Debug for StoredObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredObject")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A change to a file record, applied only if the record is in one of the expected states.
#[derive(Debug, Clone, Default)]
pub struct FileUpdate {
    pub status: Option<FileStatus>,
    pub name: Option<String>,
    pub error: Option<String>,
    pub size_bytes: Option<u64>,
    pub pages: Option<u32>,
    /// The engine that printed the file, which is the requested one unless Chromium was missing.
    pub engine: Option<crate::Engine>,
    pub changed: Option<bool>,
    pub sha256: Option<String>,
    pub final_url: Option<String>,
    pub http_status: Option<u16>,
    pub captured_at: Option<time::OffsetDateTime>,
    pub warnings: Option<Vec<crate::Warning>>,
    pub retried: Option<bool>,
}

/// Which of a user's files a listing keeps; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFilter {
    /// Exactly this address (as records hold it: a parsed `PageUrl`'s text).
    pub source_url: Option<String>,
    pub tag: Option<Tag>,
}

impl FileFilter {
    /// Every file.
    pub const ALL: Self = Self {
        source_url: None,
        tag: None,
    };

    /// Whether `record` passes (for lists filtered after the fact, such as search hits).
    pub fn matches(&self, record: &FileRecord) -> bool {
        self.source_url
            .as_ref()
            .is_none_or(|url| *url == record.source_url)
            && self
                .tag
                .as_ref()
                .is_none_or(|tag| record.tags.iter().any(|t| t == tag.as_str()))
    }

    /// Every version of one page.
    pub fn versions_of(source_url: impl Into<String>) -> Self {
        Self {
            source_url: Some(source_url.into()),
            tag: None,
        }
    }
}

/// What a user may change about a file's labels; `None` keeps it as it is.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub name: Option<String>,
    pub tags: Option<Tags>,
}

/// What a user holds, for quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Files queued or rendering.
    pub pending_jobs: u64,
    /// Bytes of finished PDFs.
    pub stored_bytes: u64,
}

/// Each user's file records, newest first.
#[async_trait]
pub trait FileIndex: Send + Sync + 'static {
    /// Records a new file; recording the same id again is a no-op (at-least-once callers).
    async fn insert(&self, owner: Uuid, record: &FileRecord) -> Result<(), PortError>;
    async fn get(&self, owner: Uuid, id: Uuid) -> Result<Option<FileRecord>, PortError>;
    /// Up to `limit` records older than `before` (a file id) that pass `filter`, newest first.
    async fn list(
        &self,
        owner: Uuid,
        before: Option<Uuid>,
        limit: usize,
        filter: &FileFilter,
    ) -> Result<Vec<FileRecord>, PortError>;
    /// Applies `update` if the record's status is one of `from` (a conditional write, so two
    /// deliveries of one job cannot both move it); the record after, or `None` if it is gone or
    /// was in another state.
    async fn transition(
        &self,
        owner: Uuid,
        id: Uuid,
        from: &[FileStatus],
        update: FileUpdate,
    ) -> Result<Option<FileRecord>, PortError>;
    /// Renames or retags a file, whatever its status; the record after, or `None` if it is gone.
    async fn relabel(&self, owner: Uuid, id: Uuid, labels: Labels) -> Result<Option<FileRecord>, PortError>;
    /// `false` if there was no such record.
    async fn delete(&self, owner: Uuid, id: Uuid) -> Result<bool, PortError>;
    async fn usage(&self, owner: Uuid) -> Result<Usage, PortError>;
}
