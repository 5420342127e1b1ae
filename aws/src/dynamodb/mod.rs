//! The file index in DynamoDB: one item per file, keyed by owner and file id.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem};
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::ports::{FileFilter, FileIndex, FileUpdate, Labels, PortError, Usage};
use folio_core::{FileRecord, FileStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{describe, unavailable};

mod changes;
mod item;
mod update;
mod usage;

pub use changes::{ChangeBatch, ChangeKind, FileChanges, StreamedChange};
use item::{from_item, key, n, rfc3339, s, to_item};
use usage::{Attempt, Delta, ATTEMPTS};

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
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(owner, record)))
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", TABLE_SORT_KEY)
            .build()
            .map_err(dynamo_error)?;
        for attempt in 0..ATTEMPTS {
            let record_item = TransactWriteItem::builder().put(put.clone()).build();
            match self
                .write_with_totals(owner, record_item, Delta::of_record(record), attempt)
                .await?
            {
                // Refused: recorded already (at-least-once callers).
                Attempt::Written | Attempt::RecordRefused => return Ok(()),
                Attempt::Again => {}
            }
        }
        Err(busy())
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
        for attempt in 0..ATTEMPTS {
            let Some(before) = self.get(owner, id).await? else {
                return Ok(None);
            };
            if !from.contains(&before.status) {
                return Ok(None);
            }
            let after = Delta::of(
                update.status.unwrap_or(before.status),
                update.size_bytes.or(before.size_bytes),
            );
            let delta = after.minus(Delta::of_record(&before));
            let change = self.record_update(owner, id, &update, &before)?;
            if delta.is_zero() {
                // The totals stay: a single conditional write, which answers with the record.
                let updated = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(change.key))
                    .set_update_expression(Some(change.update_expression))
                    .set_condition_expression(change.condition_expression)
                    .set_expression_attribute_names(change.expression_attribute_names)
                    .set_expression_attribute_values(change.expression_attribute_values)
                    .return_values(ReturnValue::AllNew)
                    .send()
                    .await;
                match updated {
                    Ok(out) => return out.attributes.as_ref().map(from_item).transpose(),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(dynamo_error(e)),
                }
                continue;
            }
            let record_item = TransactWriteItem::builder().update(change).build();
            match self.write_with_totals(owner, record_item, delta, attempt).await? {
                // A transaction answers with nothing: the record as it now is.
                Attempt::Written => return self.get(owner, id).await,
                // Changed since it was read: read it again.
                Attempt::RecordRefused | Attempt::Again => {}
            }
        }
        Err(busy())
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
        for attempt in 0..ATTEMPTS {
            let Some(before) = self.get(owner, id).await? else {
                return Ok(false);
            };
            let (condition, names, values) = as_read(&before);
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(owner, id)))
                .condition_expression(condition)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .build()
                .map_err(dynamo_error)?;
            let delta = Delta::of_record(&before).negated();
            if delta.is_zero() {
                // Nothing counted goes with it (a failed file, an empty one): a single
                // conditional delete, not a transaction that meets others on the totals.
                let deleted = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .set_key(Some(delete.key))
                    .set_condition_expression(delete.condition_expression)
                    .set_expression_attribute_names(delete.expression_attribute_names)
                    .set_expression_attribute_values(delete.expression_attribute_values)
                    .send()
                    .await;
                match deleted {
                    Ok(_) => return Ok(true),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                    {
                        continue;
                    }
                    Err(e) => return Err(dynamo_error(e)),
                }
            }
            let record_item = TransactWriteItem::builder().delete(delete).build();
            if let Attempt::Written = self.write_with_totals(owner, record_item, delta, attempt).await? {
                return Ok(true);
            }
        }
        Err(busy())
    }

    async fn usage(&self, owner: Uuid) -> Result<Usage, PortError> {
        self.totals(owner).await
    }
}

fn busy() -> PortError {
    unavailable(
        "file index",
        "too many changes to one user's files at once; try again",
    )
}

/// A condition that holds while the record is as `before` in what the totals count.
pub(super) fn as_read(
    before: &FileRecord,
) -> (String, HashMap<String, String>, HashMap<String, AttributeValue>) {
    let mut names = HashMap::from([("#status".to_owned(), "status".to_owned())]);
    let mut values = HashMap::from([(":was_status".to_owned(), s(before.status.as_str()))]);
    let size = match before.size_bytes {
        Some(size) => {
            values.insert(":was_size".to_owned(), n(size));
            "#size = :was_size"
        }
        None => "attribute_not_exists(#size)",
    };
    names.insert("#size".to_owned(), "size_bytes".to_owned());
    (format!("#status = :was_status AND {size}"), names, values)
}
