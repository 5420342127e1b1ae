//! The Lambda face of the worker: an SQS event in, a partial batch response out.
//!
//! The event source mapping deletes every message not named in `batchItemFailures`, so only a
//! delivery that should be tried again is named there: a retryable render error, a port that
//! was down, or a body this version cannot read (which the queue's redrive policy then moves
//! to the dead-letter queue, where nothing is lost). A permanent failure is recorded on the
//! file and its message is consumed.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use folio_core::ports::Delivery;
use folio_core::RenderJob;
use futures::StreamExt;

use crate::{Outcome, Worker};

/// Handles a batch, `concurrency` records at a time (duplicates in one batch are safe: the
/// file's conditional status changes let one of them win).
pub async fn handle_batch(worker: &Worker, event: SqsEvent, concurrency: usize) -> SqsBatchResponse {
    let results: Vec<(String, bool)> = futures::stream::iter(event.records)
        .map(|record| async move {
            let id = record.message_id.clone().unwrap_or_default();
            let settled = handle_record(worker, record).await;
            (id, settled)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    for (message_id, settled) in results {
        if !settled {
            response.add_failure(message_id);
        }
    }
    response
}

/// `true` when the message may be deleted.
async fn handle_record(worker: &Worker, record: SqsMessage) -> bool {
    let message_id = record.message_id.unwrap_or_default();
    let job = match serde_json::from_str::<RenderJob>(record.body.as_deref().unwrap_or_default()) {
        Ok(job) => job,
        Err(e) => {
            tracing::error!(message = %message_id, error = %e, "unreadable job message; leaving it to the dead-letter queue");
            return false;
        }
    };
    let receive_count = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|count| count.parse().ok())
        .unwrap_or(1);
    let delivery = Delivery {
        job,
        receipt: record.receipt_handle.unwrap_or_default(),
        receive_count,
    };
    match worker.process(&delivery).await {
        Ok(Outcome::Done | Outcome::Failed(_) | Outcome::Skipped) => true,
        Ok(Outcome::Retry(reason)) => {
            tracing::warn!(job = %delivery.job.job_id, %reason, "render will be retried");
            false
        }
        Err(e) => {
            tracing::error!(job = %delivery.job.job_id, error = %e, "job left for redelivery");
            false
        }
    }
}
