//! Scheduled re-capture with two `folio serve` processes on one MariaDB database (each with its
//! own data folder, sharing the token secret): the schedule runs at its interval, once per run,
//! never once per process.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;
use folio_testkit::api::{free_port, serve_pages, Api, JsonResponse};
use folio_testkit::mariadb::fresh_database;
use serde_json::{json, Value};

use crate::journey::start;

#[tokio::test]
async fn two_processes_on_one_database_run_each_scheduled_capture_once() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let site: SocketAddr = serve_pages(axum::Router::new().route(
        "/page",
        get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Html("<title>Watched</title><p>Captured on a schedule</p>") }
        }),
    ))
    .await;
    let database = fresh_database().await;
    let logs = tempfile::tempdir().unwrap();
    let mut processes = Vec::new();
    let mut apis = Vec::new();
    for name in ["a", "b"] {
        let data = logs.path().join(name);
        std::fs::create_dir_all(&data).unwrap();
        let port = free_port();
        processes.push(start(
            "folio",
            &["serve"],
            &[
                ("FOLIO_ADDR", format!("127.0.0.1:{port}")),
                ("FOLIO_DATA_DIR", data.display().to_string()),
                ("DATABASE_URL", database.clone()),
                (
                    "FOLIO_JWT_SECRET",
                    "a shared secret for both processes".to_owned(),
                ),
                ("FOLIO_RENDER_ALLOW_ADDRS", site.to_string()),
                ("FOLIO_SCHEDULE_MIN_INTERVAL", "1".to_owned()),
            ],
            &data,
        ));
        let api = Api::new(format!("http://127.0.0.1:{port}"));
        api.wait_ready().await;
        apis.push(api);
    }
    let a = apis[0].clone().sign_up_and_in("scheduler@example.com").await;
    // The same session works on the other process: one database, one secret.
    let mut b = apis[1].clone();
    b.token = a.token.clone();

    let created = a
        .post("/api/v1/schedules")
        .json(&json!({ "url": format!("http://{site}/page"), "every_seconds": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    tokio::time::sleep(Duration::from_millis(9500)).await;
    let listed: Value = b.get("/api/v1/schedules").json_value().await;
    let id = listed["schedules"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        b.delete(&format!("/api/v1/schedules/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );

    // Runs at about 2, 4, 6, 8 s: four, never eight.
    let files = b.files().await;
    let mut versions: Vec<u64> = files.iter().map(|f| f["version"].as_u64().unwrap()).collect();
    versions.sort();
    assert!((3..=5).contains(&files.len()), "one file per run: {files:#?}");
    assert_eq!(
        versions,
        (1..=files.len() as u64).collect::<Vec<_>>(),
        "distinct versions"
    );
    let mut created_at: Vec<time::OffsetDateTime> = files
        .iter()
        .map(|f| {
            time::OffsetDateTime::parse(
                f["created_at"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
        })
        .collect();
    created_at.sort();
    for pair in created_at.windows(2) {
        assert!(
            pair[1] - pair[0] >= time::Duration::milliseconds(1500),
            "runs an interval apart: {created_at:?}"
        );
    }
    for file in &files {
        let done = b.wait_until_final(file["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "done", "{done}");
    }
    assert!(
        hits.load(Ordering::SeqCst) >= files.len(),
        "each run rendered the page"
    );
    drop(processes);
}
