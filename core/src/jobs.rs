//! The job contract: the message the backend queues and the worker consumes, and the record of
//! each file in a user's library. Both sides serialise these very types, so a field renamed here
//! is renamed everywhere at once; `schema_version` lets a worker refuse a message it does not
//! understand instead of misreading it.
//!
//! The names the deployment must agree on (object keys, table attributes) are constants here
//! for the same reason.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Engine, PageUrl, RenderOptions};

/// Version of [`RenderJob`]'s shape; bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One page to render for one user. The job id is the id of the file it produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderJob {
    pub schema_version: u32,
    /// UUIDv7: file ids sort by creation time.
    pub job_id: Uuid,
    /// The user the file belongs to.
    pub owner: Uuid,
    pub url: PageUrl,
    pub options: RenderOptions,
    pub engine: Engine,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    /// The page was sent as HTML (kept in the object store at [`names::upload_key`] until the
    /// job ends; too big for a queue message) rather than fetched from `url`, which is its
    /// address for relative links (see [`names::upload_address`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub upload: bool,
}

impl RenderJob {
    pub fn new(owner: Uuid, url: PageUrl, options: RenderOptions, engine: Engine) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            job_id: Uuid::now_v7(),
            owner,
            url,
            options,
            engine,
            requested_at: OffsetDateTime::now_utc(),
            upload: false,
        }
    }

    /// The job of an uploaded page whose relative links resolve against `base_url`.
    pub fn uploaded(owner: Uuid, base_url: Option<&PageUrl>, options: RenderOptions, engine: Engine) -> Self {
        let job_id = Uuid::now_v7();
        Self {
            job_id,
            upload: true,
            ..Self::new(owner, names::upload_address(base_url, job_id), options, engine)
        }
    }
}

/// Where a file is in its life.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Queued,
    Rendering,
    Done,
    Failed,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Rendering => "rendering",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// No further change will happen without a new request.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }
}

impl std::str::FromStr for FileStatus {
    type Err = crate::InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let statuses = [Self::Queued, Self::Rendering, Self::Done, Self::Failed];
        let choices = statuses.map(|status| (status.as_str(), status));
        crate::domain::one_of("status", s, &choices)
    }
}

/// A file in a user's library, exactly as the API shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub id: Uuid,
    /// The page title once rendered, the URL until then.
    pub name: String,
    pub source_url: String,
    pub status: FileStatus,
    /// Why the render failed, when it did.
    pub error: Option<String>,
    pub size_bytes: Option<u64>,
    pub pages: Option<u32>,
    pub engine: Engine,
    /// The render options it was requested with: those that differ from the defaults, as JSON
    /// (`{}` when none). Asking again with these renders the page the same way.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: serde_json::Map<String, serde_json::Value>,
    /// 1 for the first file of its `source_url` in the user's library, then 2, 3, …
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u32,
    /// The user's tags, sorted.
    pub tags: Vec<String>,
    /// Once done: whether its text differs from the previous done version's (whitespace aside).
    /// `null` for the first version, while not done, or when there is no text to compare.
    pub changed: Option<bool>,
    /// Once done: the SHA-256 of the stored bytes, in lowercase hex.
    pub sha256: Option<String>,
    /// Once done: where the page ended up, after redirects.
    pub final_url: Option<String>,
    /// Once done: the HTTP status the page answered with, when the engine saw one.
    pub http_status: Option<u16>,
    /// Once done: when the page was captured (its render finished).
    #[serde(with = "time::serde::rfc3339::option")]
    pub captured_at: Option<OffsetDateTime>,
    /// Once done: what the render noticed that makes the result doubtful; empty when nothing.
    pub warnings: Vec<crate::Warning>,
    /// Once done: whether the page was printed a second time, with stronger waits, because the
    /// first print was blank or missed images.
    pub retried: bool,
    /// In search results only: a short excerpt of the file's text around the first match, as
    /// plain text (`…` where it is cut).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl FileRecord {
    /// What the stored file is: a PDF, unless its options asked for a PNG.
    pub fn output(&self) -> crate::render::Output {
        self.options
            .get("output")
            .and_then(serde_json::Value::as_str)
            .and_then(|output| output.parse().ok())
            .unwrap_or_default()
    }

    /// The record a new job starts as.
    pub fn queued(job: &RenderJob) -> Self {
        Self {
            id: job.job_id,
            // Named after its address until it has a title; names are short, addresses not.
            name: crate::domain::text::clip(job.url.as_str(), crate::domain::text::MAX_NAME_CHARS),
            source_url: job.url.to_string(),
            status: FileStatus::Queued,
            error: None,
            size_bytes: None,
            pages: None,
            engine: job.engine,
            options: job.options.differences_from_default(),
            version: 1,
            tags: Vec::new(),
            changed: None,
            sha256: None,
            final_url: None,
            http_status: None,
            captured_at: None,
            warnings: Vec::new(),
            retried: false,
            snippet: None,
            created_at: job.requested_at,
            updated_at: job.requested_at,
        }
    }
}

/// Names shared with the deployment (bucket layout, table schema).
pub mod names {
    use uuid::Uuid;

    /// Every user's PDFs live under this prefix in the bucket.
    pub const OBJECT_PREFIX: &str = "users/";
    /// DynamoDB partition key: the owner's user id (string).
    pub const TABLE_PARTITION_KEY: &str = "user_id";
    /// DynamoDB sort key: the file id (string, UUIDv7, so it sorts by creation time).
    pub const TABLE_SORT_KEY: &str = "file_id";

    /// `users/{user_id}/{file_id}.pdf`, or `.png` for a screenshot.
    pub fn object_key(owner: Uuid, file_id: Uuid, output: crate::render::Output) -> String {
        format!("{OBJECT_PREFIX}{owner}/{file_id}.{}", output.extension())
    }

    /// What an object holds, by its name: the type S3 keeps with it and hands out with a
    /// presigned link.
    pub fn content_type_of(key: &str) -> &'static str {
        match key.rsplit_once('.').map(|(_, extension)| extension) {
            Some("pdf") => "application/pdf",
            Some("png") => "image/png",
            Some("txt") => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        }
    }

    /// `users/{user_id}/{file_id}.txt`: the text the render saw, beside its PDF, which the
    /// backend's search index reads (the worker never needs a database for it).
    pub fn text_key(owner: Uuid, file_id: Uuid) -> String {
        format!("{OBJECT_PREFIX}{owner}/{file_id}.txt")
    }

    /// `users/{user_id}/{file_id}.upload.html`: an uploaded page, from its request until its
    /// job ends.
    pub fn upload_key(owner: Uuid, file_id: Uuid) -> String {
        format!("{OBJECT_PREFIX}{owner}/{file_id}.upload.html")
    }

    /// Where no `base_url` was given, an upload's address: a name that never resolves
    /// (`.invalid` is reserved for that), so its relative links lead nowhere.
    pub const UPLOAD_BASE: &str = "http://upload.invalid/";

    /// An upload's address: its base (or [`UPLOAD_BASE`]) with a fragment naming the file, so
    /// an upload is version 1 of an address of its own and never grouped with captures of its
    /// base (a fragment changes nothing a page loads).
    pub fn upload_address(base_url: Option<&crate::PageUrl>, file_id: Uuid) -> crate::PageUrl {
        let mut url = match base_url {
            Some(base) => base.url().clone(),
            None => url::Url::parse(UPLOAD_BASE).expect("a valid address"),
        };
        url.set_fragment(Some(&upload_fragment(file_id)));
        crate::PageUrl::parse(url.as_str()).expect("a page address with a fragment is one still")
    }

    /// Whether `record` was made from an uploaded page.
    pub fn is_upload(record: &crate::FileRecord) -> bool {
        record
            .source_url
            .ends_with(&format!("#{}", upload_fragment(record.id)))
    }

    fn upload_fragment(file_id: Uuid) -> String {
        format!("folio-upload-{file_id}")
    }

    /// `users/{user_id}/{file_id}.thumb.png`: the page's first screen, at most 400 px wide,
    /// taken in the same render (Chromium prints only; other files have none).
    pub fn thumbnail_key(owner: Uuid, file_id: Uuid) -> String {
        format!("{OBJECT_PREFIX}{owner}/{file_id}.thumb.png")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Output;
    use serde_json::json;

    fn job(engine: Engine) -> RenderJob {
        let url = PageUrl::parse("https://example.com/").unwrap();
        RenderJob::new(Uuid::now_v7(), url, RenderOptions::default(), engine)
    }

    #[test]
    fn job_message_has_the_documented_shape_and_round_trips() {
        let job = job(Engine::Reader);
        let value = serde_json::to_value(&job).unwrap();
        let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "engine",
                "job_id",
                "options",
                "owner",
                "requested_at",
                "schema_version",
                "url"
            ]
        );
        assert_eq!(value["engine"], "reader");
        assert_eq!(value["schema_version"], SCHEMA_VERSION);
        let back: RenderJob = serde_json::from_value(value).unwrap();
        assert_eq!(back, job);
    }

    #[test]
    fn file_record_has_exactly_the_api_fields() {
        let job = job(Engine::Chromium);
        let value = serde_json::to_value(FileRecord::queued(&job)).unwrap();
        let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "captured_at",
                "changed",
                "created_at",
                "engine",
                "error",
                "final_url",
                "http_status",
                "id",
                "name",
                "options",
                "pages",
                "retried",
                "sha256",
                "size_bytes",
                "source_url",
                "status",
                "tags",
                "updated_at",
                "version",
                "warnings"
            ]
        );
        assert_eq!(value["options"], json!({}));
        assert_eq!(value["version"], 1);
        assert_eq!(value["status"], "queued");
        assert_eq!(value["error"], json!(null));
        assert!(value["created_at"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn file_ids_sort_by_creation_and_keys_follow_the_layout() {
        let first = Uuid::now_v7();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = Uuid::now_v7();
        assert!(first.to_string() < second.to_string());
        let owner = Uuid::nil();
        assert_eq!(
            names::object_key(owner, first, Output::Pdf),
            format!("users/00000000-0000-0000-0000-000000000000/{first}.pdf")
        );
        let png = names::object_key(owner, first, Output::Png);
        assert_eq!(
            png,
            format!("users/00000000-0000-0000-0000-000000000000/{first}.png")
        );
        assert_eq!(names::content_type_of(&png), "image/png");
        assert_eq!(
            names::content_type_of(&names::object_key(owner, first, Output::Pdf)),
            "application/pdf"
        );
        assert_eq!(
            names::content_type_of(&names::text_key(owner, first)),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            names::text_key(owner, first),
            format!("users/00000000-0000-0000-0000-000000000000/{first}.txt")
        );
    }

    #[test]
    fn statuses_parse_and_print() {
        for status in [
            FileStatus::Queued,
            FileStatus::Rendering,
            FileStatus::Done,
            FileStatus::Failed,
        ] {
            assert_eq!(status.as_str().parse::<FileStatus>().unwrap(), status);
        }
        assert!(FileStatus::Done.is_final() && !FileStatus::Rendering.is_final());
    }
}
