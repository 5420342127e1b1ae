//! Ports: what the job pipeline needs from its surroundings, each with an embedded
//! implementation for one machine and an AWS one (SQS, S3, DynamoDB) for many.
//!
//! The queue and the object store exist so far; the file index follows the same pattern.

use std::time::Duration;

use async_trait::async_trait;

use crate::RenderJob;

#[cfg(feature = "embedded")]
pub mod embedded;

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
}

/// Where PDFs are kept, by key (`users/{user_id}/{file_id}.pdf`, see [`crate::jobs::names`]).
#[async_trait]
pub trait ObjectStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there; all or nothing.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), PortError>;
    /// The object, or `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    /// Removes the object; removing one that is not there is not an error.
    async fn delete(&self, key: &str) -> Result<(), PortError>;
}
