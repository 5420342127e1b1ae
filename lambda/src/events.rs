//! The Lambda face of the worker: an SQS event in, a partial batch response out.
//!
//! The event source mapping deletes every message not named in `batchItemFailures`, so only a
//! delivery that should be tried again is named there: a retryable render error, a port that
//! was down, or a body this version cannot read (which the queue's redrive policy then moves
//! to the dead-letter queue, where nothing is lost). A permanent failure is recorded on the
//! file and its message is consumed.
//!
//! The same function may also be mapped to the dead-letter queue: a record from there is a job
//! that used up its attempts, and its file is ended as failed instead of rendered again.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use folio_aws::{decode_message, JobMessage};
use folio_core::ports::{Delivery, PortError};
use futures::StreamExt;

use crate::{Outcome, Worker};

/// Handles a batch, `concurrency` records at a time (the worker's [`Worker::jobs_in_flight`]:
/// as many render at once as it has turns, the rest wait for theirs). Duplicates in one batch
/// are safe: the file's conditional status changes let one of them win. `dead_letter_queue` is
/// the URL of the dead-letter queue (`FOLIO_SQS_DLQ_URL`), if one is set.
pub async fn handle_batch(
    worker: &Worker,
    event: SqsEvent,
    concurrency: usize,
    dead_letter_queue: Option<&str>,
) -> SqsBatchResponse {
    let dead_letter_name = dead_letter_queue.map(queue_name_of_url);
    let results: Vec<(String, bool)> = futures::stream::iter(event.records)
        .map(|record| async move {
            let id = record.message_id.clone().unwrap_or_default();
            let from_dead_letters = dead_letter_name.is_some()
                && record.event_source_arn.as_deref().map(queue_name_of_arn) == dead_letter_name;
            let settled = if from_dead_letters {
                handle_dead_letter(worker, record).await
            } else {
                handle_record(worker, record).await
            };
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

/// `https://sqs.{region}.amazonaws.com/{account}/{name}` → `{name}`.
fn queue_name_of_url(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

/// `arn:aws:sqs:{region}:{account}:{name}` → `{name}`.
fn queue_name_of_arn(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// The delivery a record carries.
fn delivery_of(record: &SqsMessage) -> Result<Delivery, PortError> {
    decode_message(JobMessage {
        message_id: record.message_id.as_deref(),
        body: record.body.as_deref(),
        receipt: record.receipt_handle.as_deref(),
        receive_count: record
            .attributes
            .get("ApproximateReceiveCount")
            .map(String::as_str),
    })
}

/// `true` when the dead letter may be deleted: its file is failed (or already final).
async fn handle_dead_letter(worker: &Worker, record: SqsMessage) -> bool {
    let job = match delivery_of(&record) {
        Ok(delivery) => delivery.job,
        Err(e) => {
            tracing::error!(error = %e, "unreadable dead letter; left for an operator");
            return false;
        }
    };
    match worker.give_up(&job, None).await {
        Ok(_) => true,
        Err(e) => {
            tracing::error!(job = %job.job_id, error = %e, "dead letter left for redelivery");
            false
        }
    }
}

/// `true` when the message may be deleted.
async fn handle_record(worker: &Worker, record: SqsMessage) -> bool {
    let delivery = match delivery_of(&record) {
        Ok(delivery) => delivery,
        Err(e) => {
            tracing::error!(error = %e, "unreadable job message; leaving it to the dead-letter queue");
            return false;
        }
    };
    match worker.process(&delivery).await {
        Ok(Outcome::Done | Outcome::Failed(_) | Outcome::Skipped) => true,
        Ok(Outcome::Retry(reason)) => {
            tracing::warn!(job = %delivery.job.job_id, %reason, "render will be retried");
            false
        }
        // Only a polling worker stops between jobs; here it would mean the same: not done.
        Ok(Outcome::GivenBack) => false,
        Err(e) => {
            tracing::error!(job = %delivery.job.job_id, error = %e, "job left for redelivery");
            false
        }
    }
}
