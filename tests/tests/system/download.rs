//! A large PDF downloads as a stream: the server never holds the whole file in memory. The
//! server is the real `folio`, in a process of its own, so what is measured is its memory alone
//! and not whatever other tests do beside it.

use std::time::Duration;

use folio_testkit::api::{page, serve_pages, Api};
use folio_testkit::find_file;

use crate::journey::serve_embedded;

#[tokio::test]
async fn a_large_pdf_downloads_as_a_stream_never_whole_in_memory() {
    let article = page("<title>Large</title><p>A page whose PDF will grow</p>");
    let site = serve_pages(axum::Router::new().route("/article", article)).await;
    let data = tempfile::tempdir().unwrap();
    let (folio, base) = serve_embedded(data.path(), site);
    let api = Api::signed_in_at(base, "large@example.com").await;
    let id = api.requested(&format!("http://{site}/article")).await;
    assert_eq!(api.wait_until_final(&id).await["status"], "done");

    // The stored PDF grows to 256 MiB (sparse: no disk or memory spent making it).
    let stored = find_file(&data.path().join("objects"), &format!("{id}.pdf")).unwrap();
    const SIZE: u64 = 256 * 1024 * 1024;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&stored)
        .unwrap()
        .set_len(SIZE)
        .unwrap();

    let server = folio.0.id();
    let resident = || folio_render::procfs::resident_bytes(server);
    let before = resident();
    let response = api.download(&id).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], SIZE.to_string().as_str());
    let mut body = response.bytes_stream();
    let (mut received, mut peak) = (0u64, before);
    let read = async {
        while let Some(chunk) = futures::StreamExt::next(&mut body).await {
            received += chunk.unwrap().len() as u64;
            peak = peak.max(resident());
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .expect("the download finishes");
    assert_eq!(received, SIZE);
    // Read whole, the file alone would add 256 MiB to the server.
    let grown = peak.saturating_sub(before);
    assert!(
        grown < 128 * 1024 * 1024,
        "the server grew by {} MiB",
        grown >> 20
    );
}
