//! The file index, on each implementation: SQL (SQLite, MariaDB) and DynamoDB (moto).
//! Per-user records, newest first, conditional status changes (with what a render found:
//! `changed`, `sha256`, `final_url`, `http_status`, `captured_at`), usage.

use std::sync::Arc;

use folio_aws::DynamoFileIndex;
use folio_core::ports::{FileFilter, FileIndex, FileUpdate, Labels};
use folio_core::{FileRecord, FileStatus};
use folio_sql::SqlFileIndex;
use folio_testkit::moto;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{spawn_app, unique_email, Database, TestApp, PASSWORD};

pub(crate) enum Backend {
    Sql(Database),
    DynamoDb,
}

crate::on_each!(
    [
        index_sqlite => super::Backend::Sql(crate::helpers::Database::Sqlite),
        index_mysql => super::Backend::Sql(crate::helpers::Database::MySql),
        index_dynamodb => super::Backend::DynamoDb,
    ]
    [
        records_are_per_user_and_listed_newest_first_with_a_cursor,
        status_changes_are_conditional_and_idempotent_inserts_are_harmless,
        usage_counts_pending_jobs_and_stored_bytes,
        versions_options_and_tags_are_kept_and_filtered_on,
    ]
);

/// An index and `users` owners in it; the app (or moto tables) live as long as the guard.
pub(crate) struct Fixture {
    pub(crate) index: Arc<dyn FileIndex>,
    pub(crate) owners: Vec<Uuid>,
    pub(crate) _app: Option<TestApp>,
}

pub(crate) async fn fixture(backend: Backend, users: usize) -> Fixture {
    match backend {
        Backend::Sql(db) => {
            let app = spawn_app(db).await;
            let mut owners = Vec::new();
            for _ in 0..users {
                owners.push(user(&app).await);
            }
            Fixture {
                index: Arc::new(SqlFileIndex::new(app.db.pool.clone())),
                owners,
                _app: Some(app),
            }
        }
        Backend::DynamoDb => {
            let aws = moto::Resources::create("index").await.unwrap();
            Fixture {
                index: Arc::new(DynamoFileIndex::new(&aws.sdk, &aws.table)),
                owners: (0..users).map(|_| Uuid::now_v7()).collect(),
                _app: None,
            }
        }
    }
}

async fn user(app: &TestApp) -> Uuid {
    let response = app.sign_up(&unique_email(), PASSWORD).await;
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().parse().unwrap()
}

pub(crate) fn queued(owner: Uuid, n: usize) -> FileRecord {
    FileRecord::queued(&folio_testkit::numbered_job(owner, n))
}

async fn records_are_per_user_and_listed_newest_first_with_a_cursor(backend: Backend) {
    let Fixture { index, owners, _app } = fixture(backend, 2).await;
    let (alice, bob) = (owners[0], owners[1]);
    let mut ids = Vec::new();
    for n in 0..5 {
        let file = queued(alice, n);
        index.insert(alice, &file).await.unwrap();
        ids.push(file.id);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let first_page = index.list(alice, None, 3, &FileFilter::ALL).await.unwrap();
    let listed: Vec<Uuid> = first_page.iter().map(|f| f.id).collect();
    assert_eq!(listed, vec![ids[4], ids[3], ids[2]], "newest first");
    let second_page = index
        .list(alice, Some(ids[2]), 3, &FileFilter::ALL)
        .await
        .unwrap();
    assert_eq!(
        second_page.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );

    assert!(
        index
            .list(bob, None, 10, &FileFilter::ALL)
            .await
            .unwrap()
            .is_empty(),
        "bob sees none of alice's files"
    );
    assert!(index.get(bob, ids[0]).await.unwrap().is_none());
    assert!(
        !index.delete(bob, ids[0]).await.unwrap(),
        "nor can he delete them"
    );
    let stored = index.get(alice, ids[0]).await.unwrap().unwrap();
    assert_eq!(
        stored,
        first_page
            .iter()
            .chain(&second_page)
            .find(|f| f.id == ids[0])
            .unwrap()
            .clone()
    );
    assert_eq!(stored.status, FileStatus::Queued);
    assert!(index.delete(alice, ids[0]).await.unwrap());
    assert!(
        !index.delete(alice, ids[0]).await.unwrap(),
        "deleting twice finds nothing"
    );
}

async fn status_changes_are_conditional_and_idempotent_inserts_are_harmless(backend: Backend) {
    let Fixture { index, owners, _app } = fixture(backend, 1).await;
    let owner = owners[0];
    let file = queued(owner, 1);
    index.insert(owner, &file).await.unwrap();
    index.insert(owner, &file).await.unwrap();

    let rendering = FileUpdate {
        status: Some(FileStatus::Rendering),
        ..FileUpdate::default()
    };
    let moved = index
        .transition(owner, file.id, &[FileStatus::Queued], rendering.clone())
        .await
        .unwrap();
    assert_eq!(moved.unwrap().status, FileStatus::Rendering);
    // A second delivery of the same job cannot start it again.
    assert!(index
        .transition(owner, file.id, &[FileStatus::Queued], rendering)
        .await
        .unwrap()
        .is_none());

    let done = FileUpdate {
        status: Some(FileStatus::Done),
        name: Some("Example Page".into()),
        size_bytes: Some(12_345),
        pages: Some(3),
        changed: Some(false),
        sha256: Some("ab".repeat(32)),
        final_url: Some("https://example.com/moved".into()),
        http_status: Some(203),
        captured_at: Some(time::OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap()),
        ..FileUpdate::default()
    };
    let finished = index
        .transition(owner, file.id, &[FileStatus::Rendering], done)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(finished.status, FileStatus::Done);
    assert_eq!(finished.name, "Example Page");
    assert_eq!((finished.size_bytes, finished.pages), (Some(12_345), Some(3)));
    assert_eq!(
        (finished.changed, finished.sha256.clone()),
        (Some(false), Some("ab".repeat(32)))
    );
    assert_eq!(
        (finished.final_url.as_deref(), finished.http_status),
        (Some("https://example.com/moved"), Some(203))
    );
    assert_eq!(
        finished.captured_at.map(|at| at.unix_timestamp()),
        Some(1_795_000_000)
    );
    assert_eq!(index.get(owner, file.id).await.unwrap(), Some(finished.clone()));
    assert!(finished.updated_at >= finished.created_at);
    assert!(index
        .transition(
            owner,
            Uuid::now_v7(),
            &[FileStatus::Queued],
            FileUpdate::default()
        )
        .await
        .unwrap()
        .is_none());
}

async fn usage_counts_pending_jobs_and_stored_bytes(backend: Backend) {
    let Fixture { index, owners, _app } = fixture(backend, 1).await;
    let owner = owners[0];
    assert_eq!(index.usage(owner).await.unwrap(), Default::default());
    let files: Vec<FileRecord> = (0..3).map(|n| queued(owner, n)).collect();
    for file in &files {
        index.insert(owner, file).await.unwrap();
    }
    let done = FileUpdate {
        status: Some(FileStatus::Done),
        size_bytes: Some(1000),
        ..FileUpdate::default()
    };
    index
        .transition(owner, files[0].id, &[FileStatus::Queued], done)
        .await
        .unwrap()
        .unwrap();
    let usage = index.usage(owner).await.unwrap();
    assert_eq!((usage.pending_jobs, usage.stored_bytes), (2, 1000));
}

async fn versions_options_and_tags_are_kept_and_filtered_on(backend: Backend) {
    let Fixture { index, owners, _app } = fixture(backend, 2).await;
    let (owner, other) = (owners[0], owners[1]);
    let options: folio_core::RenderOptions =
        serde_json::from_value(serde_json::json!({ "landscape": true, "wait_delay_ms": 10 })).unwrap();
    let page = folio_core::PageUrl::parse("https://example.com/page").unwrap();
    let mut versions = Vec::new();
    for version in 1..=3 {
        let job =
            folio_core::RenderJob::new(owner, page.clone(), options.clone(), folio_core::Engine::Reader);
        let mut file = FileRecord::queued(&job);
        file.version = version;
        index.insert(owner, &file).await.unwrap();
        versions.push(file);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let elsewhere = queued(owner, 9);
    index.insert(owner, &elsewhere).await.unwrap();
    let stored = index.get(owner, versions[2].id).await.unwrap().unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.options, options.differences_from_default());
    assert_eq!(stored.tags, Vec::<String>::new());

    let of_page = FileFilter::versions_of(page.to_string());
    let listed = index.list(owner, None, 10, &of_page).await.unwrap();
    assert_eq!(listed.iter().map(|f| f.version).collect::<Vec<_>>(), [3, 2, 1]);
    // A filtered list pages like any other.
    let first = index.list(owner, None, 2, &of_page).await.unwrap();
    let rest = index
        .list(owner, first.last().map(|f| f.id), 2, &of_page)
        .await
        .unwrap();
    assert_eq!(rest.iter().map(|f| f.version).collect::<Vec<_>>(), [1]);
    assert!(index.list(other, None, 10, &of_page).await.unwrap().is_empty());

    let tags = |names: &[&str]| Some(folio_core::Tags::parse(names).unwrap());
    let relabelled = index
        .relabel(
            owner,
            versions[0].id,
            Labels {
                name: Some("Renamed".into()),
                tags: tags(&["work", "a_b"]),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (relabelled.name.as_str(), relabelled.tags.clone()),
        ("Renamed", vec!["a_b".into(), "work".into()])
    );
    index
        .relabel(
            owner,
            elsewhere.id,
            Labels {
                name: None,
                tags: tags(&["axb"]),
            },
        )
        .await
        .unwrap()
        .unwrap();
    let tagged = |tag: &str| FileFilter {
        source_url: None,
        tag: Some(folio_core::Tag::parse(tag).unwrap()),
    };
    let work = index.list(owner, None, 10, &tagged("work")).await.unwrap();
    assert_eq!(work.iter().map(|f| f.id).collect::<Vec<_>>(), [versions[0].id]);
    // `_` in a tag is a letter, not a wildcard: `a_b` does not find `axb`.
    let exact = index.list(owner, None, 10, &tagged("a_b")).await.unwrap();
    assert_eq!(exact.iter().map(|f| f.id).collect::<Vec<_>>(), [versions[0].id]);
    assert!(index
        .list(owner, None, 10, &tagged("wor"))
        .await
        .unwrap()
        .is_empty());
    let both = FileFilter {
        source_url: Some(page.to_string()),
        tag: Some(folio_core::Tag::parse("axb").unwrap()),
    };
    assert!(index.list(owner, None, 10, &both).await.unwrap().is_empty());
    // Clearing the tags, and another user's file left alone.
    let cleared = index
        .relabel(
            owner,
            versions[0].id,
            Labels {
                name: None,
                tags: tags(&[]),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(cleared.tags.is_empty() && cleared.name == "Renamed");
    assert!(index
        .relabel(
            other,
            versions[1].id,
            Labels {
                name: Some("x".into()),
                tags: None
            }
        )
        .await
        .unwrap()
        .is_none());
}
