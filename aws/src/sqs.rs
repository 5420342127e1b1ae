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
            client: aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::config::Builder::from(config)
                    .timeout_config(crate::quick_calls())
                    .build(),
            ),
            queue_url: queue_url.into(),
        }
    }
}

/// A long poll answers after up to `wait` with nothing: only a queue silent well past that is away.
fn long_poll(wait: Duration) -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(wait + Duration::from_secs(5))
        .operation_timeout(wait + Duration::from_secs(15))
        .build()
}

/// SQS counts visibility timeouts and waits in whole seconds, within its limits. Rounded up:
/// a lease or a delay cut short would hand a job out again before its time.
fn whole_seconds(duration: Duration, max: u64) -> i32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    seconds.min(max) as i32
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
            .customize()
            .config_override(aws_sdk_sqs::config::Builder::default().timeout_config(long_poll(wait)))
            .send()
            .await
            .map_err(|e| unavailable("job queue", describe(&e)))?;
        let Some(message) = received.messages.unwrap_or_default().into_iter().next() else {
            return Ok(None);
        };
        let receive_count = message
            .attributes
            .as_ref()
            .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount));
        // An unreadable message is left invisible until its lease runs out: the queue's redrive
        // policy moves it to the dead-letter queue, where an operator can read it.
        decode_message(JobMessage {
            message_id: message.message_id.as_deref(),
            body: message.body.as_deref(),
            receipt: message.receipt_handle.as_deref(),
            receive_count: receive_count.map(String::as_str),
        })
        .map(Some)
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

/// A job message as SQS hands it over, through `ReceiveMessage` or in a Lambda event.
pub struct JobMessage<'a> {
    pub message_id: Option<&'a str>,
    pub body: Option<&'a str>,
    pub receipt: Option<&'a str>,
    /// The `ApproximateReceiveCount` attribute.
    pub receive_count: Option<&'a str>,
}

/// The one reading of a job message, for the poller and the Lambda handler alike.
pub fn decode_message(message: JobMessage<'_>) -> Result<Delivery, PortError> {
    let job = serde_json::from_str::<RenderJob>(message.body.unwrap_or_default()).map_err(|e| {
        PortError::Malformed(format!("message {}: {e}", message.message_id.unwrap_or_default()))
    })?;
    Ok(Delivery {
        job,
        receipt: message.receipt.unwrap_or_default().to_owned(),
        receive_count: message
            .receive_count
            .and_then(|count| count.parse().ok())
            .unwrap_or(1),
    })
}
