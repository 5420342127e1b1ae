//! Status changes made elsewhere (the worker, other replicas), read once per process from the
//! file index's change stream and published to this process's listeners like its own. Reading
//! costs the same whether one event stream is open or thousands.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use folio_aws::{ChangeKind, FileChanges};
use folio_core::ports::FileIndex;

use super::{Events, FileChange};

/// Between reads of a quiet stream. DynamoDB allows five reads a second per shard across all
/// readers: this leaves room for four replicas.
const QUIET_WAIT: Duration = Duration::from_secs(1);
/// After a failed read.
const FAILED_WAIT: Duration = Duration::from_secs(5);

/// Reads `changes` until `stop` completes.
pub async fn run(
    changes: FileChanges,
    events: Events,
    index: Arc<dyn FileIndex>,
    stop: impl Future<Output = ()>,
) {
    tokio::select! {
        () = read(changes, events, index) => {}
        () = stop => {}
    }
}

async fn read(mut changes: FileChanges, events: Events, index: Arc<dyn FileIndex>) {
    let mut interrupted = false;
    loop {
        let batch = match changes.next_batch().await {
            Ok(batch) => batch,
            Err(e) => {
                if !interrupted {
                    tracing::warn!(error = %e, "cannot read the file index's stream; trying again");
                }
                interrupted = true;
                tokio::time::sleep(FAILED_WAIT).await;
                continue;
            }
        };
        if interrupted || batch.gap {
            tracing::info!("reading the file index's stream again; open event streams reload");
            events.resync();
            interrupted = false;
        }
        let quiet = batch.changes.is_empty();
        for change in batch.changes {
            let status = match change.kind {
                ChangeKind::Now(status) => FileChange::Status(status),
                ChangeKind::Removed => FileChange::Deleted,
                ChangeKind::Written => match index.get(change.owner, change.id).await {
                    Ok(Some(record)) => FileChange::Status(record.status),
                    Ok(None) => FileChange::Deleted,
                    Err(_) => {
                        events.resync();
                        continue;
                    }
                },
            };
            events.publish(change.owner, change.id, status);
        }
        if quiet {
            tokio::time::sleep(QUIET_WAIT).await;
        }
    }
}
