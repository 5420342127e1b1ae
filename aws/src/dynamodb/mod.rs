//! The file index in DynamoDB: one item per file, keyed by owner and file id.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::ports::{FileFilter, FileIndex, FileUpdate, Labels, PortError, Usage};
use folio_core::{FileRecord, FileStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{describe, unavailable};

mod item;

use item::{from_item, key, n, rfc3339, s, to_item};

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
        filter: &FileFilter,
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
            // Filters apply after a page is read: the loop reads on until `limit` match.
            let mut conditions = Vec::new();
            if let Some(url) = &filter.source_url {
                conditions.push("source_url = :source_url");
                query = query.expression_attribute_values(":source_url", s(url.clone()));
            }
            if let Some(tag) = &filter.tag {
                conditions.push("contains(tags, :tag)");
                query = query.expression_attribute_values(":tag", s(tag.as_str()));
            }
            if !conditions.is_empty() {
                query = query.filter_expression(conditions.join(" AND "));
            }
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
        if let Some(changed) = update.changed {
            set("changed", AttributeValue::Bool(changed));
        }
        if let Some(sha256) = update.sha256 {
            set("sha256", s(sha256));
        }
        if let Some(final_url) = update.final_url {
            set("final_url", s(final_url));
        }
        if let Some(status) = update.http_status {
            set("http_status", n(status));
        }
        if let Some(at) = update.captured_at {
            set("captured_at", s(rfc3339(at)));
        }
        if let Some(retried) = update.retried {
            set("retried", AttributeValue::Bool(retried));
        }
        let mut removes = Vec::new();
        match update.warnings {
            // No empty sets in DynamoDB: no warnings is no attribute.
            Some(warnings) if warnings.is_empty() => removes.push("warnings"),
            Some(warnings) => set("warnings", AttributeValue::Ss(item::warning_codes(&warnings))),
            None => {}
        }
        let mut allowed = Vec::new();
        for (i, status) in from.iter().enumerate() {
            allowed.push(format!(":from{i}"));
            values.insert(format!(":from{i}"), s(status.as_str()));
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, id)))
            .update_expression(expression)
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

    async fn relabel(&self, owner: Uuid, id: Uuid, labels: Labels) -> Result<Option<FileRecord>, PortError> {
        let mut sets = vec!["updated_at = :updated_at".to_owned()];
        let mut removes = Vec::new();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, id)))
            .condition_expression("attribute_exists(#sk)")
            .expression_attribute_names("#sk", TABLE_SORT_KEY)
            .expression_attribute_values(":updated_at", s(rfc3339(OffsetDateTime::now_utc())))
            .return_values(ReturnValue::AllNew);
        if let Some(name) = labels.name {
            sets.push("#name = :name".to_owned());
            update = update
                .expression_attribute_names("#name", "name")
                .expression_attribute_values(":name", s(name));
        }
        match labels.tags {
            Some(tags) if tags.is_empty() => removes.push("tags"),
            Some(tags) => {
                sets.push("tags = :tags".to_owned());
                update = update.expression_attribute_values(":tags", AttributeValue::Ss(tags.to_strings()));
            }
            None => {}
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        match update.update_expression(expression).send().await {
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
