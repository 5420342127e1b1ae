//! Each user's totals for quotas, kept in one item per user beside their records, so that a
//! quota check is one read rather than a query over the user's whole partition. Every write
//! that moves a total moves it in the same transaction as the record, so the two cannot drift.
//!
//! The item lives in a partition of its own (`usage#<owner>`): the user's partition holds
//! only file records, which listings read in sort-key order.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::ports::{PortError, Usage};
use folio_core::{FileRecord, FileStatus};
use uuid::Uuid;

use super::item::{n, s, Item};
use super::{dynamo_error, DynamoFileIndex};

const USAGE_SORT_KEY: &str = "usage";
/// Transactions on one user's totals meet when their jobs end together: each tries again.
pub(super) const ATTEMPTS: u32 = 8;

fn usage_key(owner: Uuid) -> Item {
    Item::from([
        (TABLE_PARTITION_KEY.to_owned(), s(format!("usage#{owner}"))),
        (TABLE_SORT_KEY.to_owned(), s(USAGE_SORT_KEY)),
    ])
}

/// What one record adds to its owner's totals, or the change between two records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Delta {
    pending: i64,
    bytes: i64,
}

impl Delta {
    pub(super) fn of(status: FileStatus, size_bytes: Option<u64>) -> Self {
        match status {
            FileStatus::Queued | FileStatus::Rendering => Self { pending: 1, bytes: 0 },
            FileStatus::Done => Self {
                pending: 0,
                bytes: i64::try_from(size_bytes.unwrap_or(0)).unwrap_or(i64::MAX),
            },
            _ => Self::default(),
        }
    }

    pub(super) fn of_record(record: &FileRecord) -> Self {
        Self::of(record.status, record.size_bytes)
    }

    pub(super) fn minus(self, before: Self) -> Self {
        Self {
            pending: self.pending - before.pending,
            bytes: self.bytes - before.bytes,
        }
    }

    pub(super) fn negated(self) -> Self {
        Self::default().minus(self)
    }

    pub(super) fn is_zero(self) -> bool {
        self == Self::default()
    }
}

/// How one attempt at writing a record with its owner's totals ended.
pub(super) enum Attempt {
    Written,
    /// The record was not as read (or, for an insert, already there).
    RecordRefused,
    /// Try again (the totals were counted meanwhile, or another transaction was in the way).
    Again,
}

/// How a transaction of a record and its owner's totals ended, when it did not go through.
enum Refused {
    /// The record was not as read (or, for an insert, already there).
    Record,
    /// The user's totals were never counted: count them, then try again.
    Uncounted,
    /// Another transaction held one of the items: try again.
    Conflict,
}

fn refused(e: &SdkError<TransactWriteItemsError>) -> Option<Refused> {
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = e.as_service_error()? else {
        return e
            .as_service_error()
            .is_some_and(|e| e.is_transaction_in_progress_exception())
            .then_some(Refused::Conflict);
    };
    let codes: Vec<&str> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|reason| reason.code().unwrap_or("None"))
        .collect();
    match codes.as_slice() {
        ["ConditionalCheckFailed", ..] => Some(Refused::Record),
        [_, "ConditionalCheckFailed"] => Some(Refused::Uncounted),
        codes if codes.contains(&"TransactionConflict") => Some(Refused::Conflict),
        // moto and older endpoints may not say which item refused.
        [] => Some(Refused::Conflict),
        _ => None,
    }
}

/// A pause before the next attempt that grows with each one, spread so that the
/// transactions that met do not meet again.
async fn back_off(attempt: u32) {
    let spread = u64::from(Uuid::new_v4().as_bytes()[0]) % 20;
    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt + 1) + spread)).await;
}

impl DynamoFileIndex {
    /// Writes `record` and moves `owner`'s totals by `delta` in one transaction.
    pub(super) async fn write_with_totals(
        &self,
        owner: Uuid,
        record: TransactWriteItem,
        delta: Delta,
        attempt: u32,
    ) -> Result<Attempt, PortError> {
        let written = self
            .client
            .transact_write_items()
            .transact_items(record)
            .transact_items(
                TransactWriteItem::builder()
                    .update(self.move_totals(owner, delta)?)
                    .build(),
            )
            .send()
            .await;
        match written.as_ref().map_err(refused) {
            Ok(_) => Ok(Attempt::Written),
            Err(Some(Refused::Record)) => Ok(Attempt::RecordRefused),
            Err(Some(Refused::Uncounted)) => {
                self.start_counting(owner).await?;
                Ok(Attempt::Again)
            }
            Err(Some(Refused::Conflict)) => {
                back_off(attempt).await;
                Ok(Attempt::Again)
            }
            Err(None) => Err(dynamo_error(written.unwrap_err())),
        }
    }

    /// Moves `owner`'s totals by `delta`, as one item of a transaction; refused when they were
    /// never counted (so a transaction never starts totals from zero beside older records).
    fn move_totals(&self, owner: Uuid, delta: Delta) -> Result<Update, PortError> {
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(usage_key(owner)))
            .update_expression("ADD pending_jobs :pending, stored_bytes :bytes")
            .condition_expression("attribute_exists(#sk)")
            .expression_attribute_names("#sk", TABLE_SORT_KEY)
            .expression_attribute_values(":pending", n(delta.pending))
            .expression_attribute_values(":bytes", n(delta.bytes))
            .build()
            .map_err(dynamo_error)
    }

    /// The user's totals: one read of their usage item, counted from their records the first
    /// time (a table from before the totals were kept).
    pub(super) async fn totals(&self, owner: Uuid) -> Result<Usage, PortError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(usage_key(owner)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_error)?;
        match got.item {
            Some(item) => Ok(Usage {
                pending_jobs: number(&item, "pending_jobs"),
                stored_bytes: number(&item, "stored_bytes"),
            }),
            None => self.start_counting(owner).await,
        }
    }

    /// Counts `owner`'s records once and keeps the totals. No record can change meanwhile:
    /// every write that moves a total needs the totals item to exist.
    pub(super) async fn start_counting(&self, owner: Uuid) -> Result<Usage, PortError> {
        let usage = self.count_records(owner).await?;
        let written = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(usage_key(owner)))
            .update_expression("SET pending_jobs = :pending, stored_bytes = :bytes")
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", TABLE_SORT_KEY)
            .expression_attribute_values(":pending", n(usage.pending_jobs))
            .expression_attribute_values(":bytes", n(usage.stored_bytes))
            .send()
            .await;
        match written {
            Ok(_) => Ok(usage),
            // Counted by another process in the meantime, from the same records.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(usage)
            }
            Err(e) => Err(dynamo_error(e)),
        }
    }

    async fn count_records(&self, owner: Uuid) -> Result<Usage, PortError> {
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
            let Some(Ok(status)) = status.map(|v| v.parse::<FileStatus>()) else {
                continue;
            };
            let delta = Delta::of(status, Some(number(&item, "size_bytes")));
            usage.pending_jobs += delta.pending.unsigned_abs();
            usage.stored_bytes += delta.bytes.unsigned_abs();
        }
        Ok(usage)
    }
}

fn number(item: &Item, name: &str) -> u64 {
    item.get(name)
        .and_then(|v: &AttributeValue| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(0, |v| v.max(0).unsigned_abs())
}
