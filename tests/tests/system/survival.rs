//! Queued jobs survive a SIGKILL of the embedded server in the middle of rendering, and all
//! complete after a restart: the queue lives in the database, not in the process.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use folio_testkit::{binary, ChildGuard};

use crate::user::{free_port, sign_up_and_in, wait_ready};
use serde_json::{json, Value};

const JOBS: usize = 4;

async fn serve_slow_page() -> SocketAddr {
    let app = axum::Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Html("<title>Survivor</title><p>rendered after a restart</p>")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
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

async fn statuses(client: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let files: Value = client
        .get(format!("{base}/api/v1/files"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn queued_jobs_survive_a_sigkill_mid_render_and_complete_after_restart() {
    let site = serve_slow_page().await;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    let mut first = ChildGuard(start_folio(data.path(), port, site));
    wait_ready(&client, &base).await;
    let token = sign_up_and_in(&client, &base, "survivor@example.com").await;
    for _ in 0..JOBS {
        let queued = client
            .post(format!("{base}/api/v1/request"))
            .bearer_auth(&token)
            .json(&json!({ "url": format!("http://{site}/slow") }))
            .send()
            .await
            .unwrap();
        assert_eq!(queued.status(), 202);
    }

    // Kill it while pages are rendering.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !statuses(&client, &base, &token)
        .await
        .iter()
        .any(|s| s == "rendering")
    {
        assert!(Instant::now() < deadline, "no job started rendering");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    drop(first);
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "the server is gone"
    );

    let _second = ChildGuard(start_folio(data.path(), port, site));
    wait_ready(&client, &base).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let now = statuses(&client, &base, &token).await;
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
