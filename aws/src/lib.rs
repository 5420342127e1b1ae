//! The AWS implementations of the ports: SQS for the queue, S3 for the PDFs, DynamoDB for the
//! file index. Each is chosen when its setting is present (see `folio_core::settings`); the SDK's
//! own `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_S3`, …) points them elsewhere, e.g. at moto.

mod dynamodb;
mod s3;
mod sqs;

pub use dynamodb::{ChangeBatch, ChangeKind, DynamoFileIndex, FileChanges, StreamedChange};
pub use s3::S3Store;
pub use sqs::{decode_message, JobMessage, SqsQueue};

use aws_config::timeout::TimeoutConfig;
use aws_smithy_http_client::tls;

use std::sync::Arc;
use std::time::Duration;

use folio_core::ports::{FileIndex, JobQueue, ObjectStore, PortError, Ports};
use folio_core::settings::AwsTargets;

/// The AWS adapter of each port whose setting is present: where settings become adapters, for
/// the backend (which puts the rest on this machine) and for `bootstrap` (which needs all three).
#[derive(Default)]
pub struct AwsPorts {
    pub queue: Option<Arc<dyn JobQueue>>,
    pub store: Option<Arc<dyn ObjectStore>>,
    pub index: Option<Arc<dyn FileIndex>>,
}

impl AwsPorts {
    pub fn new(sdk: &aws_config::SdkConfig, targets: &AwsTargets) -> Self {
        Self {
            queue: targets
                .sqs_queue_url
                .as_ref()
                .map(|url| Arc::new(SqsQueue::new(sdk, url)) as Arc<dyn JobQueue>),
            store: targets
                .s3_bucket
                .as_ref()
                .map(|bucket| Arc::new(S3Store::new(sdk, bucket)) as Arc<dyn ObjectStore>),
            index: targets
                .dynamodb_table
                .as_ref()
                .map(|table| Arc::new(DynamoFileIndex::new(sdk, table)) as Arc<dyn FileIndex>),
        }
    }

    /// Every port on AWS, when all three are set.
    pub fn all(self) -> Option<Ports> {
        Some(Ports {
            queue: self.queue?,
            store: self.store?,
            index: self.index?,
        })
    }
}

/// The shared SDK configuration: region, credentials and endpoints from the usual AWS sources
/// (environment, profile, IAM role for the service account, instance metadata).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

/// SQS and DynamoDB answer in milliseconds: one that has not answered within seconds is away,
/// and a request waiting on it should get its 503 rather than hang (the SDK sets no limit of
/// its own). Retries included, a call gives up after 10 seconds.
pub(crate) fn quick_calls() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(4))
        .operation_timeout(Duration::from_secs(10))
        .build()
}

/// S3 moves whole PDFs (up to `FOLIO_MAX_FILE_BYTES`), so a call is not cut by its length,
/// only when the store does not answer within a minute of being asked.
pub(crate) fn transfers() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .read_timeout(Duration::from_secs(60))
        .build()
}

/// HTTPS (and plain HTTP, for local endpoints) through rustls on ring.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

pub(crate) fn unavailable(port: &'static str, e: impl std::fmt::Display) -> PortError {
    PortError::Unavailable {
        port,
        reason: e.to_string(),
    }
}

/// The full error chain: the SDK's `Display` alone says only "service error".
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
