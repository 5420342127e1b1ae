//! The job queue on SQS: long polls, leases as visibility timeouts, give-backs with a delay.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use folio_core::ports::{Delivery, JobQueue, PortError};
use folio_core::RenderJob;

use crate::{describe, unavailable};

#[derive(Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(config: &aws_config::SdkConfig, queue_url: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sqs::Client::new(config),
            queue_url: queue_url.into(),
        }
    }
}

/// SQS counts visibility timeouts and waits in whole seconds, within its limits.
fn whole_seconds(duration: Duration, max: u64) -> i32 {
    duration.as_secs().min(max) as i32
}

#[async_trait]
impl JobQueue for SqsQueue {
    async fn enqueue(&self, job: &RenderJob) -> Result<(), PortError> {
        let body = serde_json::to_string(job).map_err(|e| PortError::Malformed(e.to_string()))?;
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| unavailable("job queue", describe(&e)))?;
        Ok(())
    }

    async fn receive(&self, wait: Duration, lease: Duration) -> Result<Option<Delivery>, PortError> {
        let received = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(1)
            .wait_time_seconds(whole_seconds(wait, 20))
            .visibility_timeout(whole_seconds(lease, 12 * 60 * 60))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| unavailable("job queue", describe(&e)))?;
        let Some(message) = received.messages.unwrap_or_default().into_iter().next() else {
            return Ok(None);
        };
        let receipt = message.receipt_handle.unwrap_or_default();
        let receive_count = message
            .attributes
            .as_ref()
            .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
            .and_then(|count| count.parse().ok())
            .unwrap_or(1);
        match serde_json::from_str::<RenderJob>(message.body.as_deref().unwrap_or_default()) {
            Ok(job) => Ok(Some(Delivery {
                job,
                receipt,
                receive_count,
            })),
            // Left invisible until its lease runs out: the queue's redrive policy moves it to
            // the dead-letter queue, where an operator can read it. Nothing is silently lost.
            Err(e) => Err(PortError::Malformed(format!(
                "message {}: {e}",
                message.message_id.unwrap_or_default()
            ))),
        }
    }

    async fn complete(&self, delivery: &Delivery) -> Result<bool, PortError> {
        match self
            .client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(&delivery.receipt)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_receipt_handle_is_invalid()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable("job queue", describe(&e))),
        }
    }

    async fn release(&self, delivery: &Delivery, delay: Duration) -> Result<(), PortError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(&delivery.receipt)
            .visibility_timeout(whole_seconds(delay, 12 * 60 * 60))
            .send()
            .await
            .map_err(|e| unavailable("job queue", describe(&e)))?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// S3
