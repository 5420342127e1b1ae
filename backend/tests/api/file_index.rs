//! The SQL file index: per-user records, newest first, conditional status changes, usage.

use folio_core::ports::embedded::SqlFileIndex;
use folio_core::ports::{FileIndex, FileUpdate};
use folio_core::{Engine, FileRecord, FileStatus, RenderJob, RenderOptions};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{spawn_app, unique_email, Database, PASSWORD};

crate::on_both_databases!(
    records_are_per_user_and_listed_newest_first_with_a_cursor,
    status_changes_are_conditional_and_idempotent_inserts_are_harmless,
    usage_counts_pending_jobs_and_stored_bytes,
);

async fn user(app: &crate::helpers::TestApp) -> Uuid {
    let response = app.sign_up(&unique_email(), PASSWORD).await;
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().parse().unwrap()
}

fn queued(owner: Uuid, n: usize) -> FileRecord {
    let job = RenderJob::new(
        owner,
        format!("https://example.com/{n}"),
        RenderOptions::default(),
        Engine::Chromium,
    );
    FileRecord::queued(&job)
}

async fn records_are_per_user_and_listed_newest_first_with_a_cursor(db: Database) {
    let app = spawn_app(db).await;
    let index = SqlFileIndex::new(app.db.pool.clone());
    let (alice, bob) = (user(&app).await, user(&app).await);
    let mut ids = Vec::new();
    for n in 0..5 {
        let file = queued(alice, n);
        index.insert(alice, &file).await.unwrap();
        ids.push(file.id);
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let first_page = index.list(alice, None, 3).await.unwrap();
    let listed: Vec<Uuid> = first_page.iter().map(|f| f.id).collect();
    assert_eq!(listed, vec![ids[4], ids[3], ids[2]], "newest first");
    let second_page = index.list(alice, Some(ids[2]), 3).await.unwrap();
    assert_eq!(
        second_page.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]]
    );

    assert!(
        index.list(bob, None, 10).await.unwrap().is_empty(),
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

async fn status_changes_are_conditional_and_idempotent_inserts_are_harmless(db: Database) {
    let app = spawn_app(db).await;
    let index = SqlFileIndex::new(app.db.pool.clone());
    let owner = user(&app).await;
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

async fn usage_counts_pending_jobs_and_stored_bytes(db: Database) {
    let app = spawn_app(db).await;
    let index = SqlFileIndex::new(app.db.pool.clone());
    let owner = user(&app).await;
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
