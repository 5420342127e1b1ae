//! Changes to file records as the table's DynamoDB stream reports them. A process reads the
//! stream once for all its users, so what a worker (or another replica) changes reaches its
//! event streams at a cost that does not grow with the streams open.
//!
//! A stream is made of shards that close and split over time: closed shards are read to their
//! end, and a child shard is started only once its parent is done, so that one file's changes
//! arrive in order.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodbstreams::types::{AttributeValue, OperationType, Record, ShardIteratorType};
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::ports::PortError;
use folio_core::FileStatus;
use uuid::Uuid;

use crate::{describe, unavailable};

/// How often the shard list is read again while every shard stays open (shards roll over
/// every few hours).
const RELIST_EVERY: u32 = 60;

/// What became of one file record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Written, now in this status.
    Now(FileStatus),
    /// Written, in a status the stream did not carry (a stream of keys only).
    Written,
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamedChange {
    pub owner: Uuid,
    pub id: Uuid,
    pub kind: ChangeKind,
}

/// One read of the stream: the changes in order, and whether some may have been missed (an
/// iterator expired or the stream's retention passed it), so listeners should reload.
#[derive(Debug, Default)]
pub struct ChangeBatch {
    pub changes: Vec<StreamedChange>,
    pub gap: bool,
}

pub struct FileChanges {
    client: aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    /// Shards being read, with where to read next.
    reading: HashMap<String, String>,
    /// Shards read to their end, or open when reading began (their past is not news).
    finished: HashSet<String>,
    reads_since_listing: u32,
    must_list: bool,
}

fn streams_error(e: impl std::error::Error + 'static) -> PortError {
    unavailable("file index stream", describe(&e))
}

impl FileChanges {
    /// The stream of `table`, from now on; `None` when the table has no stream with the
    /// records' images (event streams then watch the index themselves).
    pub async fn open(sdk: &aws_config::SdkConfig, table: &str) -> Result<Option<Self>, PortError> {
        let described = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(sdk)
                .timeout_config(crate::quick_calls())
                .build(),
        )
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(streams_error)?;
        let Some(table) = described.table else {
            return Ok(None);
        };
        let enabled = table
            .stream_specification()
            .is_some_and(|spec| spec.stream_enabled());
        let (true, Some(stream_arn)) = (enabled, table.latest_stream_arn) else {
            return Ok(None);
        };
        let client = aws_sdk_dynamodbstreams::Client::from_conf(
            aws_sdk_dynamodbstreams::config::Builder::from(sdk)
                .timeout_config(crate::quick_calls())
                .build(),
        );
        let mut changes = Self {
            client,
            stream_arn,
            reading: HashMap::new(),
            finished: HashSet::new(),
            reads_since_listing: 0,
            must_list: true,
        };
        changes.list_shards(true).await?;
        Ok(Some(changes))
    }

    /// Reads every shard once: what changed since the last read.
    pub async fn next_batch(&mut self) -> Result<ChangeBatch, PortError> {
        if self.must_list || self.reads_since_listing >= RELIST_EVERY {
            self.list_shards(false).await?;
        }
        self.reads_since_listing += 1;
        let mut batch = ChangeBatch::default();
        let shards: Vec<(String, String)> =
            self.reading.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        for (shard, iterator) in shards {
            let read = self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(1000)
                .send()
                .await;
            let read = match read {
                Ok(read) => read,
                Err(e) => {
                    let lost = e.as_service_error().is_some_and(|e| {
                        e.is_expired_iterator_exception() || e.is_trimmed_data_access_exception()
                    });
                    if !lost {
                        return Err(streams_error(e));
                    }
                    // Too long without a read: start again from now, and say so.
                    let iterator = self.iterator(&shard, ShardIteratorType::Latest).await?;
                    self.reading.insert(shard, iterator);
                    batch.gap = true;
                    continue;
                }
            };
            batch.changes.extend(read.records().iter().filter_map(change));
            match read.next_shard_iterator {
                Some(next) => {
                    self.reading.insert(shard, next);
                }
                None => {
                    // Closed and read to its end: its children may start.
                    self.reading.remove(&shard);
                    self.finished.insert(shard);
                    self.must_list = true;
                }
            }
        }
        Ok(batch)
    }

    /// Starts reading the shards not yet known: from now for those open at the start, from
    /// their beginning for those that appear later (they hold changes made since).
    async fn list_shards(&mut self, starting: bool) -> Result<(), PortError> {
        let mut start_after = None;
        loop {
            let described = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start_after.take())
                .send()
                .await
                .map_err(streams_error)?;
            let Some(description) = described.stream_description else {
                break;
            };
            for shard in description.shards() {
                let Some(id) = shard.shard_id() else { continue };
                if self.reading.contains_key(id) || self.finished.contains(id) {
                    continue;
                }
                let closed = shard
                    .sequence_number_range()
                    .and_then(|range| range.ending_sequence_number())
                    .is_some();
                if starting {
                    if closed {
                        self.finished.insert(id.to_owned());
                    } else {
                        let iterator = self.iterator(id, ShardIteratorType::Latest).await?;
                        self.reading.insert(id.to_owned(), iterator);
                    }
                    continue;
                }
                let parent_pending = shard
                    .parent_shard_id()
                    .is_some_and(|parent| self.reading.contains_key(parent));
                if !parent_pending {
                    let iterator = self.iterator(id, ShardIteratorType::TrimHorizon).await?;
                    self.reading.insert(id.to_owned(), iterator);
                }
            }
            match description.last_evaluated_shard_id {
                Some(last) => start_after = Some(last),
                None => break,
            }
        }
        self.must_list = false;
        self.reads_since_listing = 0;
        Ok(())
    }

    async fn iterator(&self, shard: &str, from: ShardIteratorType) -> Result<String, PortError> {
        self.client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard)
            .shard_iterator_type(from)
            .send()
            .await
            .map_err(streams_error)?
            .shard_iterator
            .ok_or_else(|| unavailable("file index stream", "no iterator for a shard"))
    }
}

/// A file record's change; `None` for other items (a user's totals) and unknown events.
fn change(record: &Record) -> Option<StreamedChange> {
    let data = record.dynamodb()?;
    let keys = data.keys()?;
    let text = |item: &HashMap<String, AttributeValue>, name: &str| -> Option<String> {
        item.get(name).and_then(|v| v.as_s().ok()).cloned()
    };
    let owner = text(keys, TABLE_PARTITION_KEY)?.parse().ok()?;
    let id = text(keys, TABLE_SORT_KEY)?.parse().ok()?;
    let kind = match record.event_name()? {
        OperationType::Remove => ChangeKind::Removed,
        OperationType::Insert | OperationType::Modify => data
            .new_image()
            .and_then(|image| text(image, "status"))
            .and_then(|status| status.parse().ok())
            .map_or(ChangeKind::Written, ChangeKind::Now),
        _ => return None,
    };
    Some(StreamedChange { owner, id, kind })
}
