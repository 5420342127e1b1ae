//! The file index in DynamoDB: one item per file, keyed by owner and file id.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::ports::{FileIndex, FileUpdate, PortError, Usage};
use folio_core::{FileRecord, FileStatus};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{describe, unavailable};

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
            client: aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(config)
                    .timeout_config(crate::quick_calls())
                    .build(),
            ),
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
