//! `folio-load`: mixed traffic against a real `folio serve` for a fixed time, then checks that
//! nothing went wrong: no 5xx, no connection errors, every accepted job ended `done` or `failed`
//! with a reason. Prints each operation's count and latency percentiles; exits 1 on a problem.
//!
//! Virtual users each hold an open event stream and loop: list their files (every turn), ask
//! for a page (at most every two seconds, so the renderer keeps up on a small machine),
//! download a finished file, delete one, sign in again now and then. Pages are served on
//! 127.0.0.1 by this program; run it where nothing else is reachable (`scripts/load.sh` uses a
//! loopback-only network namespace).
//!
//! `folio-load --folio target/debug/folio [--seconds 60] [--users 6]`

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_testkit::api::{free_port, gone, page, serve_pages, Api};
use folio_testkit::sse::ServerEvents;
use folio_testkit::ChildGuard;
use serde_json::json;

#[derive(Default)]
struct Tally {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    statuses: BTreeMap<(&'static str, u16), u64>,
    problems: Vec<String>,
    accepted: Vec<(Api, String)>,
}

type Shared = Arc<Mutex<Tally>>;

/// Sends one operation's request and books its status and latency.
async fn timed(
    tally: &Shared,
    op: &'static str,
    request: reqwest::RequestBuilder,
) -> Option<reqwest::Response> {
    let started = Instant::now();
    let sent = request.send().await;
    let elapsed = started.elapsed();
    let mut tally = tally.lock().unwrap();
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            tally.latencies.entry(op).or_default().push(elapsed);
            *tally.statuses.entry((op, status)).or_default() += 1;
            if status >= 500 {
                tally.problems.push(format!("{op}: {status}"));
            }
            Some(response)
        }
        Err(e) => {
            tally.problems.push(format!("{op}: connection error: {e}"));
            None
        }
    }
}

async fn virtual_user(base: String, site: std::net::SocketAddr, n: usize, until: Instant, tally: Shared) {
    let email = format!("load-{n}@example.com");
    let api = Api::new(base).sign_up_and_in(&email).await;
    let credentials = json!({ "email": email, "password": "correct horse battery" });
    // The stream stays open for the whole run, as the SPA keeps it.
    let events = api.events().await;
    let watching = tokio::spawn(async move {
        let mut stream = ServerEvents::new(events);
        while let Ok(Some(_)) = stream.next().await {}
    });
    let mut last_request = Instant::now() - Duration::from_secs(10);
    let mut turn = 0u64;
    while Instant::now() < until {
        turn += 1;
        let listed = timed(&tally, "list", api.get("/api/v1/files")).await;
        let files = match listed {
            Some(response) if response.status() == 200 => response.json::<serde_json::Value>().await.ok(),
            _ => None,
        };
        let files = files
            .and_then(|body| body["files"].as_array().cloned())
            .unwrap_or_default();
        if last_request.elapsed() >= Duration::from_secs(2) {
            last_request = Instant::now();
            let page = if turn.is_multiple_of(5) { "missing" } else { "page" };
            let url = format!("http://{site}/{page}");
            let request = api.post("/api/v1/request").json(&json!({ "url": url }));
            if let Some(response) = timed(&tally, "request", request).await {
                if response.status() == 202 {
                    let body: serde_json::Value = response.json().await.unwrap_or_default();
                    let id = body["id"].as_str().unwrap_or_default().to_owned();
                    tally.lock().unwrap().accepted.push((api.clone(), id));
                }
            }
        }
        let done: Vec<&str> = files
            .iter()
            .filter(|f| f["status"] == "done")
            .filter_map(|f| f["id"].as_str())
            .collect();
        if let Some(id) = done.first() {
            if let Some(response) = timed(&tally, "download", api.get(&format!("/api/v1/file/{id}"))).await {
                let _ = response.bytes().await;
            }
        }
        // Keep a few files; delete the oldest finished one beyond them.
        if done.len() > 3 {
            let oldest = done[done.len() - 1];
            timed(&tally, "delete", api.delete(&format!("/api/v1/file/{oldest}"))).await;
        }
        if turn.is_multiple_of(10) {
            let signing_in = api
                .client
                .post(api.url("/api/v1/auth/sign-in"))
                .json(&credentials);
            timed(&tally, "sign-in", signing_in).await;
        }
    }
    watching.abort();
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let folio = flag("--folio")
        .ok_or_else(|| anyhow::anyhow!("usage: folio-load --folio <path> [--seconds N] [--users N]"))?;
    let seconds: u64 = flag("--seconds").map_or(Ok(60), |s| s.parse())?;
    let users: usize = flag("--users").map_or(Ok(6), |s| s.parse())?;

    let pages = axum::Router::new()
        .route(
            "/page",
            page("<title>Load</title><h1>Under load</h1><p>Text.</p>"),
        )
        .route("/missing", gone());
    let site = serve_pages(pages).await;
    let data = tempfile::tempdir()?;
    let port = free_port();
    let log = std::fs::File::create(data.path().join("folio.log"))?;
    let _folio = ChildGuard(
        Command::new(&folio)
            .arg("serve")
            .env("FOLIO_ADDR", format!("127.0.0.1:{port}"))
            .env("FOLIO_DATA_DIR", data.path())
            .env("FOLIO_RENDER_ALLOW_ADDRS", site.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()?,
    );
    let base = format!("http://127.0.0.1:{port}");
    Api::new(base.clone()).wait_ready().await;

    let tally: Shared = Arc::default();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let running: Vec<_> = (0..users)
        .map(|n| tokio::spawn(virtual_user(base.clone(), site, n, until, tally.clone())))
        .collect();
    for user in running {
        user.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Every accepted job ends, done or failed with a reason, or is deleted by its user.
    let accepted = std::mem::take(&mut tally.lock().unwrap().accepted);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut unfinished = accepted.len();
    while unfinished > 0 && Instant::now() < deadline {
        unfinished = 0;
        let mut seen = std::collections::HashSet::new();
        for (api, id) in &accepted {
            if !seen.insert(api.token.clone()) {
                continue;
            }
            for file in api.files().await {
                let status = file["status"].as_str().unwrap_or_default();
                if !matches!(status, "done" | "failed") {
                    unfinished += 1;
                } else if status == "failed" && file["error"].as_str().is_none_or(str::is_empty) {
                    tally
                        .lock()
                        .unwrap()
                        .problems
                        .push(format!("{id} failed without a reason"));
                }
            }
        }
        if unfinished > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    let tally = tally.lock().unwrap();
    let total: u64 = tally.statuses.values().sum();
    println!(
        "{users} users for {elapsed:.0} s: {total} requests, {} jobs accepted",
        accepted.len()
    );
    println!("| operation | requests | statuses | p50 ms | p99 ms |");
    println!("|---|---:|---|---:|---:|");
    for (op, latencies) in &tally.latencies {
        let mut sorted = latencies.clone();
        sorted.sort();
        let statuses: Vec<String> = tally
            .statuses
            .iter()
            .filter(|((o, _), _)| o == op)
            .map(|((_, status), count)| format!("{status}×{count}"))
            .collect();
        println!(
            "| {op} | {} | {} | {:.1} | {:.1} |",
            sorted.len(),
            statuses.join(" "),
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.99)
        );
    }
    let server_errors: u64 = tally
        .statuses
        .iter()
        .filter(|((_, s), _)| *s >= 500)
        .map(|(_, c)| c)
        .sum();
    println!("5xx: {server_errors}; jobs not finished: {unfinished}");
    let mut problems = tally.problems.clone();
    if unfinished > 0 {
        problems.push(format!("{unfinished} jobs never finished"));
    }
    if !problems.is_empty() {
        problems.truncate(20);
        anyhow::bail!("load run found problems:\n{}", problems.join("\n"));
    }
    Ok(())
}
