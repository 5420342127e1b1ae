//! A user's totals for quotas (`pending_jobs`, `stored_bytes`) stay exact when their changes
//! race, on each index (moto applies two transactions on one item at once without conflict,
//! so the race of two deliveries of one job is the conditional-transition test's, not this one). DynamoDB keeps them in one item per user, moved in the same
//! transaction as each record, so a quota check is one read whatever the library's size.

use folio_aws::DynamoFileIndex;
use folio_core::ports::{FileIndex, FileUpdate, Usage};
use folio_core::FileStatus;
use folio_testkit::moto;

use crate::file_index::{fixture, queued, Backend, Fixture};

crate::on_each!(
    [
        totals_sqlite => super::Backend::Sql(crate::helpers::Database::Sqlite),
        totals_mysql => super::Backend::Sql(crate::helpers::Database::MySql),
        totals_dynamodb => super::Backend::DynamoDb,
    ]
    [usage_stays_exact_when_forty_changes_race]
);

fn done(size: u64) -> FileUpdate {
    FileUpdate {
        status: Some(FileStatus::Done),
        size_bytes: Some(size),
        ..FileUpdate::default()
    }
}

fn failed() -> FileUpdate {
    FileUpdate {
        status: Some(FileStatus::Failed),
        error: Some("gone".into()),
        ..FileUpdate::default()
    }
}

async fn usage_stays_exact_when_forty_changes_race(backend: Backend) {
    let Fixture { index, owners, _app } = fixture(backend, 1).await;
    let owner = owners[0];
    let files: Vec<_> = (0..40).map(|n| queued(owner, n)).collect();
    let inserts = files.iter().map(|file| index.insert(owner, file));
    for inserted in futures::future::join_all(inserts).await {
        inserted.unwrap();
    }
    assert_eq!(index.usage(owner).await.unwrap().pending_jobs, 40);

    // Every job ends at once, half of them done; then each done one is delivered again,
    // which must move nothing.
    let finishing = files.iter().enumerate().map(|(n, file)| {
        let update = if n < 20 { done(100) } else { failed() };
        index.transition(owner, file.id, &[FileStatus::Queued], update)
    });
    for moved in futures::future::join_all(finishing).await {
        assert!(moved.unwrap().is_some());
    }
    for file in files.iter().take(20) {
        let again = index.transition(
            owner,
            file.id,
            &[FileStatus::Queued, FileStatus::Rendering],
            done(100),
        );
        assert!(again.await.unwrap().is_none());
    }
    let usage = index.usage(owner).await.unwrap();
    assert_eq!((usage.pending_jobs, usage.stored_bytes), (0, 2000));

    let deletes = files.iter().take(30).map(|file| index.delete(owner, file.id));
    for deleted in futures::future::join_all(deletes).await {
        assert!(deleted.unwrap());
    }
    // Done and failed alike are gone (a failed one moves no totals, so takes another path).
    for file in files.iter().take(30) {
        assert!(index.get(owner, file.id).await.unwrap().is_none());
        assert!(!index.delete(owner, file.id).await.unwrap());
    }
    assert_eq!(index.usage(owner).await.unwrap(), Usage::default());
}

/// A table from before the totals were kept: they are counted from the records once, then
/// moved with each change.
#[tokio::test]
async fn dynamodb_totals_missing_are_counted_from_the_records_once() {
    let aws = moto::Resources::create("totals").await.unwrap();
    let index = DynamoFileIndex::new(&aws.sdk, &aws.table);
    let owner = uuid::Uuid::now_v7();
    let files: Vec<_> = (0..3).map(|n| queued(owner, n)).collect();
    for file in &files {
        index.insert(owner, file).await.unwrap();
    }
    index
        .transition(owner, files[0].id, &[FileStatus::Queued], done(500))
        .await
        .unwrap()
        .unwrap();
    let totals_key = |owner: uuid::Uuid| {
        use aws_sdk_dynamodb::types::AttributeValue::S;
        std::collections::HashMap::from([
            ("user_id".to_owned(), S(format!("usage#{owner}"))),
            ("file_id".to_owned(), S("usage".to_owned())),
        ])
    };
    let kept = aws
        .dynamodb()
        .delete_item()
        .table_name(&aws.table)
        .set_key(Some(totals_key(owner)))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert!(kept.attributes.is_some(), "the totals are one item of their own");

    let usage = index.usage(owner).await.unwrap();
    assert_eq!((usage.pending_jobs, usage.stored_bytes), (2, 500));
    index.insert(owner, &queued(owner, 3)).await.unwrap();
    index
        .transition(owner, files[1].id, &[FileStatus::Queued], done(250))
        .await
        .unwrap()
        .unwrap();
    let usage = index.usage(owner).await.unwrap();
    assert_eq!((usage.pending_jobs, usage.stored_bytes), (2, 750));
    // The totals' own item never shows as a file.
    let listed = index
        .list(owner, None, 10, &folio_core::ports::FileFilter::ALL)
        .await
        .unwrap();
    assert_eq!(listed.len(), 4);
}
