//! The AWS implementations of the ports: SQS for the queue, S3 for the PDFs, DynamoDB for the
//! file index. Each is chosen when its setting is present (see [`crate::settings`]); the SDK's
//! own `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_S3`, …) points them elsewhere, e.g. at moto.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use aws_smithy_http_client::tls;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoredObject;

use super::{Delivery, FileIndex, FileUpdate, JobQueue, ObjectStore, PortError, Usage};
use crate::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use crate::{FileRecord, FileStatus, RenderJob};

/// The shared SDK configuration: region, credentials and endpoints from the usual AWS sources
/// (environment, profile, IAM role for the service account, instance metadata).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .load()
        .await
}

/// HTTPS (and plain HTTP, for local endpoints) through rustls on ring.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

fn unavailable(port: &'static str, e: impl std::fmt::Display) -> PortError {
    PortError::Unavailable {
        port,
        reason: e.to_string(),
    }
}

/// The full error chain: the SDK's `Display` alone says only "service error".
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

// ---------------------------------------------------------------------------------------------
// SQS

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

/// PDFs in a private bucket. Nothing here makes an object public; downloads either stream
/// through the backend or use a short-lived presigned URL.
#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    pub fn new(config: &aws_config::SdkConfig, bucket: impl Into<String>) -> Self {
        // Path-style addressing works with every endpoint (moto, MinIO) as well as AWS itself.
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.into(),
        }
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/pdf")
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| unavailable("object store", describe(&e)))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<StoredObject>, PortError> {
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(unavailable("object store", describe(&e))),
        };
        Ok(Some(StoredObject {
            size: object
                .content_length
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
            body: Box::pin(object.body.into_async_read()),
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| unavailable("object store", describe(&e)))?;
        Ok(())
    }

    async fn presigned_download(
        &self,
        key: &str,
        content_disposition: &str,
        ttl: Duration,
    ) -> Result<Option<String>, PortError> {
        let config = PresigningConfig::expires_in(ttl).map_err(|e| unavailable("object store", e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type("application/pdf")
            .response_content_disposition(content_disposition)
            .presigned(config)
            .await
            .map_err(|e| unavailable("object store", describe(&e)))?;
        Ok(Some(request.uri().to_owned()))
    }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB

/// File records in a table keyed by `user_id` (partition) and `file_id` (sort). File ids are
/// UUIDv7, so a query in descending sort-key order is newest first.
#[derive(Clone)]
pub struct DynamoFileIndex {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoFileIndex {
    pub fn new(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.into(),
        }
    }
}

type Item = HashMap<String, AttributeValue>;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn key(owner: Uuid, id: Uuid) -> Item {
    HashMap::from([
        (TABLE_PARTITION_KEY.to_owned(), s(owner.to_string())),
        (TABLE_SORT_KEY.to_owned(), s(id.to_string())),
    ])
}

fn to_item(owner: Uuid, record: &FileRecord) -> Item {
    let mut item = key(owner, record.id);
    item.insert("name".into(), s(&record.name));
    item.insert("source_url".into(), s(&record.source_url));
    item.insert("status".into(), s(record.status.as_str()));
    item.insert("engine".into(), s(record.engine.as_str()));
    item.insert("created_at".into(), s(rfc3339(record.created_at)));
    item.insert("updated_at".into(), s(rfc3339(record.updated_at)));
    if let Some(error) = &record.error {
        item.insert("error".into(), s(error));
    }
    if let Some(size) = record.size_bytes {
        item.insert("size_bytes".into(), n(size));
    }
    if let Some(pages) = record.pages {
        item.insert("pages".into(), n(pages));
    }
    item
}

fn from_item(item: &Item) -> Result<FileRecord, PortError> {
    let bad = |what: &str| PortError::Unavailable {
        port: "file index",
        reason: format!("item has no valid {what}"),
    };
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let number = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
    };
    let time = |name: &str| {
        text(name)
            .and_then(|v| OffsetDateTime::parse(&v, &Rfc3339).ok())
            .ok_or_else(|| bad(name))
    };
    Ok(FileRecord {
        id: text(TABLE_SORT_KEY)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(TABLE_SORT_KEY))?,
        name: text("name").ok_or_else(|| bad("name"))?,
        source_url: text("source_url").ok_or_else(|| bad("source_url"))?,
        status: text("status")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad("status"))?,
        error: text("error"),
        size_bytes: number("size_bytes"),
        pages: number("pages").map(|p: u64| p as u32),
        engine: text("engine")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad("engine"))?,
        created_at: time("created_at")?,
        updated_at: time("updated_at")?,
    })
}

fn dynamo_error(e: impl std::error::Error + 'static) -> PortError {
    unavailable("file index", describe(&e))
}

#[async_trait]
impl FileIndex for DynamoFileIndex {
    async fn insert(&self, owner: Uuid, record: &FileRecord) -> Result<(), PortError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(owner, record)))
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", TABLE_SORT_KEY)
            .send()
            .await;
        match put {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(dynamo_error(e)),
        }
    }

    async fn get(&self, owner: Uuid, id: Uuid) -> Result<Option<FileRecord>, PortError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_error)?;
        got.item.as_ref().map(from_item).transpose()
    }

    async fn list(
        &self,
        owner: Uuid,
        before: Option<Uuid>,
        limit: usize,
    ) -> Result<Vec<FileRecord>, PortError> {
        // A query page stops at 1 MB whatever the limit; keep reading until the page is full
        // or the user's records run out, so a short page always means the last one.
        let mut records = Vec::with_capacity(limit);
        let mut start = None;
        while records.len() < limit {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .scan_index_forward(false)
                .limit(i32::try_from(limit - records.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .expression_attribute_names("#pk", TABLE_PARTITION_KEY)
                .expression_attribute_values(":owner", s(owner.to_string()));
            query = match before {
                Some(before) => query
                    .key_condition_expression("#pk = :owner AND #sk < :before")
                    .expression_attribute_names("#sk", TABLE_SORT_KEY)
                    .expression_attribute_values(":before", s(before.to_string())),
                None => query.key_condition_expression("#pk = :owner"),
            };
            let page = query.send().await.map_err(dynamo_error)?;
            for item in page.items() {
                records.push(from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(records)
    }

    async fn transition(
        &self,
        owner: Uuid,
        id: Uuid,
        from: &[FileStatus],
        update: FileUpdate,
    ) -> Result<Option<FileRecord>, PortError> {
        if from.is_empty() {
            return Ok(None);
        }
        let mut sets = vec!["#updated_at = :updated_at".to_owned()];
        let mut names = HashMap::from([
            ("#sk".to_owned(), TABLE_SORT_KEY.to_owned()),
            ("#status".to_owned(), "status".to_owned()),
            ("#updated_at".to_owned(), "updated_at".to_owned()),
        ]);
        let mut values = HashMap::from([(":updated_at".to_owned(), s(rfc3339(OffsetDateTime::now_utc())))]);
        let mut set = |name: &str, value: AttributeValue| {
            sets.push(format!("#{name} = :{name}"));
            names.insert(format!("#{name}"), name.to_owned());
            values.insert(format!(":{name}"), value);
        };
        if let Some(status) = update.status {
            set("status", s(status.as_str()));
        }
        if let Some(name) = update.name {
            set("name", s(name));
        }
        if let Some(error) = update.error {
            set("error", s(error));
        }
        if let Some(size) = update.size_bytes {
            set("size_bytes", n(size));
        }
        if let Some(pages) = update.pages {
            set("pages", n(pages));
        }
        if let Some(engine) = update.engine {
            set("engine", s(engine.as_str()));
        }
        let mut allowed = Vec::new();
        for (i, status) in from.iter().enumerate() {
            allowed.push(format!(":from{i}"));
            values.insert(format!(":from{i}"), s(status.as_str()));
        }
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, id)))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(format!(
                "attribute_exists(#sk) AND #status IN ({})",
                allowed.join(", ")
            ))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match updated {
            Ok(out) => out.attributes.as_ref().map(from_item).transpose(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(dynamo_error(e)),
        }
    }

    async fn delete(&self, owner: Uuid, id: Uuid) -> Result<bool, PortError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, id)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(dynamo_error)?;
        Ok(deleted.attributes.is_some_and(|old| !old.is_empty()))
    }

    async fn usage(&self, owner: Uuid) -> Result<Usage, PortError> {
        // Quotas need a user's totals; a projected query reads only two small attributes.
        let mut usage = Usage::default();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :owner")
            .projection_expression("#status, size_bytes")
            .expression_attribute_names("#pk", TABLE_PARTITION_KEY)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":owner", s(owner.to_string()))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = pages.next().await {
            let item = item.map_err(dynamo_error)?;
            let status = item.get("status").and_then(|v| v.as_s().ok());
            match status.map(|v| v.parse::<FileStatus>()) {
                Some(Ok(FileStatus::Queued | FileStatus::Rendering)) => usage.pending_jobs += 1,
                Some(Ok(FileStatus::Done)) => {
                    usage.stored_bytes += item
                        .get("size_bytes")
                        .and_then(|v| v.as_n().ok())
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0);
                }
                _ => {}
            }
        }
        Ok(usage)
    }
}
