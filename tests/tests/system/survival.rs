//! Queued jobs survive a SIGKILL of the embedded server in the middle of rendering, and all
//! complete after a restart: the queue lives in the database, not in the process.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use folio_testkit::api::{free_port, serve_pages, Api};
use folio_testkit::{binary, ChildGuard};

const JOBS: usize = 4;

async fn serve_slow_page() -> SocketAddr {
    serve_pages(axum::Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Html("<title>Survivor</title><p>rendered after a restart</p>")
        }),
    ))
    .await
}

fn start_folio(data_dir: &std::path::Path, port: u16, site: SocketAddr) -> Child {
    Command::new(binary("folio").expect("folio binary"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FOLIO_ADDR", format!("127.0.0.1:{port}"))
        .env("FOLIO_DATA_DIR", data_dir)
        .env("FOLIO_RENDER_ALLOW_ADDRS", site.to_string())
        .env("FOLIO_RENDER_CONCURRENCY", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn folio")
}

async fn statuses(api: &Api) -> Vec<String> {
    api.files()
        .await
        .iter()
        .map(|f| f["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn queued_jobs_survive_a_sigkill_mid_render_and_complete_after_restart() {
    let site = serve_slow_page().await;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let api = Api::new(format!("http://127.0.0.1:{port}"));

    let first = ChildGuard(start_folio(data.path(), port, site));
    api.wait_ready().await;
    let api = api.sign_up_and_in("survivor@example.com").await;
    for _ in 0..JOBS {
        api.requested(&format!("http://{site}/slow")).await;
    }

    // Kill it while pages are rendering.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !statuses(&api).await.iter().any(|s| s == "rendering") {
        assert!(Instant::now() < deadline, "no job started rendering");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SIGKILL, as a crash would; its Chromium goes with it, as with a container's end.
    drop(first);
    assert!(
        api.client.get(api.url("/healthz")).send().await.is_err(),
        "the server is gone"
    );

    let _second = ChildGuard(start_folio(data.path(), port, site));
    api.wait_ready().await;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let now = statuses(&api).await;
        assert_eq!(now.len(), JOBS, "no file lost or duplicated");
        if now.iter().all(|s| s == "done") {
            break;
        }
        assert!(!now.iter().any(|s| s == "failed"), "a job failed: {now:?}");
        assert!(
            Instant::now() < deadline,
            "jobs did not complete after the restart: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
