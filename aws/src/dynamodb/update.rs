//! A status change of one record as a DynamoDB update, conditional on the record being as it
//! was read (so that the change to its owner's totals, computed from that reading, is right).

use aws_sdk_dynamodb::types::{AttributeValue, Update};
use folio_core::ports::{FileUpdate, PortError};
use folio_core::FileRecord;
use time::OffsetDateTime;
use uuid::Uuid;

use super::item::{self, key, n, rfc3339, s};
use super::{as_read, dynamo_error, DynamoFileIndex};

impl DynamoFileIndex {
    pub(super) fn record_update(
        &self,
        owner: Uuid,
        id: Uuid,
        update: &FileUpdate,
        before: &FileRecord,
    ) -> Result<Update, PortError> {
        let (condition, mut names, mut values) = as_read(before);
        let mut sets = vec!["#updated_at = :updated_at".to_owned()];
        names.insert("#updated_at".to_owned(), "updated_at".to_owned());
        values.insert(":updated_at".to_owned(), s(rfc3339(OffsetDateTime::now_utc())));
        let mut set = |name: &str, value: AttributeValue| {
            sets.push(format!("#{name} = :{name}"));
            names.insert(format!("#{name}"), name.to_owned());
            values.insert(format!(":{name}"), value);
        };
        if let Some(status) = update.status {
            set("status", s(status.as_str()));
        }
        if let Some(name) = &update.name {
            set("name", s(name));
        }
        if let Some(error) = &update.error {
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
        if let Some(sha256) = &update.sha256 {
            set("sha256", s(sha256));
        }
        if let Some(final_url) = &update.final_url {
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
        match &update.warnings {
            // No empty sets in DynamoDB: no warnings is no attribute.
            Some(warnings) if warnings.is_empty() => removes.push("warnings"),
            Some(warnings) => set("warnings", AttributeValue::Ss(item::warning_codes(warnings))),
            None => {}
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(owner, id)))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(dynamo_error)
    }
}
