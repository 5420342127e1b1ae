//! A file record as a DynamoDB item, and back.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use folio_core::jobs::names::{TABLE_PARTITION_KEY, TABLE_SORT_KEY};
use folio_core::ports::PortError;
use folio_core::{FileRecord, Warning};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

pub(super) fn key(owner: Uuid, id: Uuid) -> Item {
    HashMap::from([
        (TABLE_PARTITION_KEY.to_owned(), s(owner.to_string())),
        (TABLE_SORT_KEY.to_owned(), s(id.to_string())),
    ])
}

pub(super) fn to_item(owner: Uuid, record: &FileRecord) -> Item {
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
    item.insert(
        "options".into(),
        s(serde_json::Value::Object(record.options.clone()).to_string()),
    );
    item.insert("version".into(), n(record.version));
    if let Some(changed) = record.changed {
        item.insert("changed".into(), AttributeValue::Bool(changed));
    }
    if let Some(sha256) = &record.sha256 {
        item.insert("sha256".into(), s(sha256));
    }
    if let Some(final_url) = &record.final_url {
        item.insert("final_url".into(), s(final_url));
    }
    if let Some(status) = record.http_status {
        item.insert("http_status".into(), n(status));
    }
    if let Some(at) = record.captured_at {
        item.insert("captured_at".into(), s(rfc3339(at)));
    }
    if !record.warnings.is_empty() {
        item.insert(
            "warnings".into(),
            AttributeValue::Ss(warning_codes(&record.warnings)),
        );
    }
    if record.retried {
        item.insert("retried".into(), AttributeValue::Bool(true));
    }
    // DynamoDB has no empty sets: no tags is no attribute.
    if !record.tags.is_empty() {
        item.insert("tags".into(), AttributeValue::Ss(record.tags.clone()));
    }
    item
}

pub(super) fn from_item(item: &Item) -> Result<FileRecord, PortError> {
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
        // Items written before versions and tags existed have neither: version 1, no tags.
        options: text("options")
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default(),
        version: number("version").map_or(1, |v: u64| v.clamp(1, u64::from(u32::MAX)) as u32),
        tags: {
            let mut tags = item
                .get("tags")
                .and_then(|v| v.as_ss().ok())
                .cloned()
                .unwrap_or_default();
            tags.sort();
            tags
        },
        changed: item.get("changed").and_then(|v| v.as_bool().ok()).copied(),
        sha256: text("sha256"),
        final_url: text("final_url"),
        http_status: number("http_status").and_then(|status: u64| u16::try_from(status).ok()),
        captured_at: text("captured_at").and_then(|v| OffsetDateTime::parse(&v, &Rfc3339).ok()),
        // A code this version does not know (written by a newer worker) is left out.
        warnings: {
            let mut warnings: Vec<Warning> = item
                .get("warnings")
                .and_then(|v| v.as_ss().ok())
                .map(|codes| codes.iter().filter_map(|code| code.parse().ok()).collect())
                .unwrap_or_default();
            warnings.sort();
            warnings
        },
        retried: item
            .get("retried")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        snippet: None,
        created_at: time("created_at")?,
        updated_at: time("updated_at")?,
    })
}

/// Warning codes as a DynamoDB string set (never empty: the caller leaves the attribute out).
pub(super) fn warning_codes(warnings: &[Warning]) -> Vec<String> {
    warnings
        .iter()
        .map(|warning| warning.as_str().to_owned())
        .collect()
}
