//! Live status changes for `GET /api/v1/events`.
//!
//! In the embedded mode every change to a file record passes through this process (the API
//! and the in-process worker), so the file index is wrapped to publish each change on a
//! broadcast channel the event streams listen to. No polling, no extra queries.

use std::sync::Arc;

use async_trait::async_trait;
use folio_core::ports::{FileIndex, FileUpdate, PortError, Usage};
use folio_core::{FileRecord, FileStatus};
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Changes buffered per listener before a slow one is told to reload instead.
const BUFFER: usize = 1024;

/// One change to one file, as a stream shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FileEvent {
    #[serde(skip)]
    pub owner: Uuid,
    pub id: Uuid,
    /// A [`FileStatus`], or `deleted`.
    pub status: &'static str,
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<FileEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BUFFER).0,
        }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<FileEvent> {
        self.sender.subscribe()
    }

    fn publish(&self, owner: Uuid, id: Uuid, status: &'static str) {
        // No listener is not an error: nobody is watching.
        let _ = self.sender.send(FileEvent { owner, id, status });
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
        self.events.publish(owner, record.id, record.status.as_str());
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
    ) -> Result<Vec<FileRecord>, PortError> {
        self.inner.list(owner, before, limit).await
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
            self.events.publish(owner, id, record.status.as_str());
        }
        Ok(changed)
    }

    async fn delete(&self, owner: Uuid, id: Uuid) -> Result<bool, PortError> {
        let deleted = self.inner.delete(owner, id).await?;
        if deleted {
            self.events.publish(owner, id, "deleted");
        }
        Ok(deleted)
    }

    async fn usage(&self, owner: Uuid) -> Result<Usage, PortError> {
        self.inner.usage(owner).await
    }
}
