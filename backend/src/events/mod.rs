//! Live status changes for `GET /api/v1/events`.
//!
//! In the embedded mode every change to a file record passes through this process (the API
//! and the in-process worker), so the file index is wrapped to publish each change on a
//! broadcast channel the event streams listen to. No polling, no extra queries. In AWS mode the
//! worker's changes arrive through the table's stream, read once per process ([`feed`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use folio_core::ports::{FileFilter, FileIndex, FileUpdate, Labels, PortError, Usage};
use folio_core::{FileRecord, FileStatus};
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

pub mod feed;

/// Changes buffered per listener before a slow one is told to reload instead.
const BUFFER: usize = 1024;

/// What became of a file: a new status, or gone from the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Status(FileStatus),
    Deleted,
}

/// A stream shows either as the file's `status`: one of [`FileStatus`]'s, or `deleted`.
impl Serialize for FileChange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Status(status) => status.serialize(serializer),
            Self::Deleted => serializer.serialize_str("deleted"),
        }
    }
}

/// One change to one file, as a stream shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FileEvent {
    #[serde(skip)]
    pub owner: Uuid,
    pub id: Uuid,
    pub status: FileChange,
}

/// What listeners hear: one file's change, or that changes may have been missed (the feed from
/// elsewhere was interrupted), so what they show should be read again.
#[derive(Debug, Clone)]
pub enum Notice {
    File(FileEvent),
    Resync,
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Notice>,
    /// Streams open per user, for the per-user limit.
    open_streams: Arc<Mutex<HashMap<Uuid, usize>>>,
    versions: Arc<LibraryVersions>,
}

/// A number per user that moves with every change to their files this process hears of, so
/// what was read of a library can be known to be still current.
#[derive(Default)]
struct LibraryVersions {
    /// Each change takes the next number, so a user's version never comes back to a value.
    next: AtomicU64,
    /// Moves when changes may have been missed: every library counts as changed.
    epoch: AtomicU64,
    by_user: RwLock<HashMap<Uuid, u64>>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BUFFER).0,
            open_streams: Arc::default(),
            versions: Arc::default(),
        }
    }
}

/// One of a user's open event streams; the count goes down when it is dropped (the client
/// went away or the server stops).
pub struct StreamSlot {
    owner: Uuid,
    open_streams: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open_streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.owner) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.owner);
            }
        }
    }
}

impl Events {
    /// Counts a new stream for `owner`, unless they already hold `max`: checked and counted
    /// under one lock, so parallel requests cannot slip past the limit.
    pub fn open_stream(&self, owner: Uuid, max: usize) -> Option<StreamSlot> {
        let mut open = self.open_streams.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(owner).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            owner,
            open_streams: self.open_streams.clone(),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }

    pub fn publish(&self, owner: Uuid, id: Uuid, status: FileChange) {
        self.touched(owner);
        // No listener is not an error: nobody is watching.
        let _ = self.sender.send(Notice::File(FileEvent { owner, id, status }));
    }

    pub fn resync(&self) {
        self.versions.epoch.fetch_add(1, Ordering::AcqRel);
        let _ = self.sender.send(Notice::Resync);
    }

    /// Something about `owner`'s files changed that streams do not show (a name, tags).
    pub fn touched(&self, owner: Uuid) {
        let version = self.versions.next.fetch_add(1, Ordering::AcqRel) + 1;
        let mut by_user = self.versions.by_user.write().unwrap_or_else(|p| p.into_inner());
        by_user.insert(owner, version);
    }

    /// The version of `owner`'s library: equal to an earlier reading only if nothing changed
    /// in between (that this process heard of).
    pub fn library_version(&self, owner: Uuid) -> (u64, u64) {
        let epoch = self.versions.epoch.load(Ordering::Acquire);
        let by_user = self.versions.by_user.read().unwrap_or_else(|p| p.into_inner());
        (epoch, by_user.get(&owner).copied().unwrap_or(0))
    }
}

/// A file index that publishes every change it makes.
pub struct NotifyingIndex {
    inner: Arc<dyn FileIndex>,
    events: Events,
}

impl NotifyingIndex {
    pub fn new(inner: Arc<dyn FileIndex>, events: Events) -> Self {
        Self { inner, events }
    }
}

#[async_trait]
impl FileIndex for NotifyingIndex {
    async fn insert(&self, owner: Uuid, record: &FileRecord) -> Result<(), PortError> {
        self.inner.insert(owner, record).await?;
        self.events
            .publish(owner, record.id, FileChange::Status(record.status));
        Ok(())
    }

    async fn get(&self, owner: Uuid, id: Uuid) -> Result<Option<FileRecord>, PortError> {
        self.inner.get(owner, id).await
    }

    async fn list(
        &self,
        owner: Uuid,
        before: Option<Uuid>,
        limit: usize,
        filter: &FileFilter,
    ) -> Result<Vec<FileRecord>, PortError> {
        self.inner.list(owner, before, limit, filter).await
    }

    async fn relabel(&self, owner: Uuid, id: Uuid, labels: Labels) -> Result<Option<FileRecord>, PortError> {
        let relabelled = self.inner.relabel(owner, id, labels).await;
        self.events.touched(owner);
        relabelled
    }

    async fn transition(
        &self,
        owner: Uuid,
        id: Uuid,
        from: &[FileStatus],
        update: FileUpdate,
    ) -> Result<Option<FileRecord>, PortError> {
        let changed = self.inner.transition(owner, id, from, update).await?;
        if let Some(record) = &changed {
            self.events.publish(owner, id, FileChange::Status(record.status));
        }
        Ok(changed)
    }

    async fn delete(&self, owner: Uuid, id: Uuid) -> Result<bool, PortError> {
        let deleted = self.inner.delete(owner, id).await?;
        if deleted {
            self.events.publish(owner, id, FileChange::Deleted);
        }
        Ok(deleted)
    }

    async fn usage(&self, owner: Uuid) -> Result<Usage, PortError> {
        self.inner.usage(owner).await
    }
}
