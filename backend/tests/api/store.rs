//! The object store's contract, on every implementation: files under the data folder and S3
//! (moto). What is put comes back whole with its size; a missing object is `None`, not an
//! error; deleting is idempotent; keys of one owner never reach another's objects.

use std::any::Any;
use std::sync::Arc;

use folio_aws::S3Store;
use folio_core::jobs::names;
use folio_core::ports::ObjectStore;
use folio_sql::LocalStore;
use folio_testkit::moto;
use uuid::Uuid;

enum Backend {
    Local,
    S3,
}

crate::on_each!(
    [
        store_local => super::Backend::Local,
        store_s3 => super::Backend::S3,
    ]
    [
        objects_come_back_whole_and_missing_ones_are_none,
        deleting_is_idempotent_and_touches_nothing_else,
    ]
);

/// The store under test, and what it lives on (a folder, or moto's bucket).
async fn store(backend: Backend) -> (Arc<dyn ObjectStore>, Box<dyn Any + Send>) {
    match backend {
        Backend::Local => {
            let dir = tempfile::tempdir().unwrap();
            let store = LocalStore::new(dir.path().join("objects"));
            (Arc::new(store), Box::new(dir))
        }
        Backend::S3 => {
            let aws = moto::Resources::create("store").await.unwrap();
            let store = S3Store::new(&aws.sdk, &aws.bucket);
            (Arc::new(store), Box::new(aws))
        }
    }
}

async fn contents(store: &dyn ObjectStore, key: &str) -> Option<Vec<u8>> {
    let object = store.get(key).await.unwrap()?;
    let size = object.size;
    let bytes = object.bytes().await.unwrap();
    assert_eq!(size, bytes.len() as u64, "the size told is the size sent");
    Some(bytes)
}

fn key() -> String {
    names::object_key(Uuid::now_v7(), Uuid::now_v7(), folio_core::render::Output::Pdf)
}

async fn objects_come_back_whole_and_missing_ones_are_none(backend: Backend) {
    let (store, _lives_on) = store(backend).await;
    let key = key();
    assert_eq!(contents(&*store, &key).await, None);
    // Larger than one read buffer, so the body really streams.
    let pdf: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
    store.put(&key, pdf.clone()).await.unwrap();
    assert_eq!(contents(&*store, &key).await, Some(pdf));
    store.put(&key, b"%PDF-1.7 again".to_vec()).await.unwrap();
    assert_eq!(
        contents(&*store, &key).await.as_deref(),
        Some(&b"%PDF-1.7 again"[..]),
        "a second put replaces the object"
    );
}

async fn deleting_is_idempotent_and_touches_nothing_else(backend: Backend) {
    let (store, _lives_on) = store(backend).await;
    let (kept, deleted) = (key(), key());
    store.put(&kept, b"kept".to_vec()).await.unwrap();
    store.put(&deleted, b"deleted".to_vec()).await.unwrap();
    store.delete(&deleted).await.unwrap();
    store.delete(&deleted).await.unwrap();
    store.delete(&key()).await.unwrap();
    assert_eq!(contents(&*store, &deleted).await, None);
    assert_eq!(contents(&*store, &kept).await.as_deref(), Some(&b"kept"[..]));
}
