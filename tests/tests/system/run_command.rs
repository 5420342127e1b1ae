//! The README promises that `folio serve` with no configuration at all starts the embedded
//! default on 127.0.0.1:8080 with its data in ./data.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use folio_testkit::{binary, ChildGuard};

#[tokio::test]
async fn folio_with_no_environment_serves_healthz_on_8080_and_creates_data_dir() {
    let folio = binary("folio").expect("folio binary");
    let workdir = tempfile::tempdir().unwrap();
    let child = Command::new(folio)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(workdir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn folio");
    let _guard = ChildGuard(child);

    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let response = loop {
        match client.get("http://127.0.0.1:8080/healthz").send().await {
            Ok(response) => break response,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("folio did not serve /healthz on 127.0.0.1:8080 within 30 s: {e}"),
        }
    };
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert!(
        workdir.path().join("data").join("folio.db").exists(),
        "SQLite database in ./data"
    );
    assert!(
        workdir.path().join("data").join("jwt-secret").exists(),
        "signing secret kept in ./data"
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    let folio = binary("folio").expect("folio binary");
    let workdir = tempfile::tempdir().unwrap();
    // A free port: bind, note, release.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(folio)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FOLIO_ADDR", format!("127.0.0.1:{port}"))
        .current_dir(workdir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn folio");
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(&url).send().await.is_err() {
        assert!(Instant::now() < deadline, "folio did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("folio did not stop within 10 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a graceful stop exits 0, got {status}");
}
