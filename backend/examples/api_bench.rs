//! The API's ceiling: `GET /api/v1/files` (bearer token, 20 records) under `wrk` with 64
//! connections, against a bare axum handler that answers the same bytes (Folio's own response,
//! captured in this run), in alternating rounds; then `folio serve`'s resident memory at rest.
//! Folio is the release `folio serve` in a process of its own, as users run it.
//!
//! `cargo build --release -p folio-backend --bin folio --example api_bench` then
//! `target/release/examples/api_bench [--seconds 8] [--rounds 2]` (`make bench`; needs `wrk`).
//! Figures go to BENCHMARKS.md; nothing here asserts on time.

#[path = "../../bench/common.rs"]
mod common;

use std::time::Duration;

use axum::http::header;
use axum::routing::get;
use common::*;
use folio_testkit::api::Api;

const CONNECTIONS: usize = 64;
const RECORDS: usize = 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| flag_value(&args, flag);
    let seconds: u64 = value("--seconds").map_or(Ok(8), |v| v.parse())?;
    let rounds: usize = value("--rounds").map_or(Ok(2), |v| v.parse())?;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

    let pages = serve_pages().await?;
    let folio_process = FolioProcess::start(pages, &[]).await?;
    let folio = folio_process.base.clone();
    let api = Api::new(folio.clone()).sign_up_and_in("bench@example.com").await;
    for n in 0..RECORDS {
        let id = api
            .requested(&format!("http://{pages}/{}", PAGES[n % PAGES.len()]))
            .await;
        api.wait_until_final(&id).await;
    }
    let listing = api.get("/api/v1/files").send().await?.error_for_status()?;
    let content_type = listing.headers()[header::CONTENT_TYPE].clone();
    let body = listing.bytes().await?;
    anyhow::ensure!(
        serde_json::from_slice::<serde_json::Value>(&body)?["files"]
            .as_array()
            .map_or(0, Vec::len)
            == RECORDS,
        "the listing should hold {RECORDS} records"
    );
    let bare = folio_testkit::api::serve_pages(axum::Router::new().route(
        "/api/v1/files",
        get(move || {
            let (content_type, body) = (content_type.clone(), body.clone());
            async move { ([(header::CONTENT_TYPE, content_type)], body) }
        }),
    ))
    .await;

    println!(
        "machine: {cores} cores; wrk -t{cores} -c{CONNECTIONS} -d{seconds}s, {rounds} alternating rounds; \
         the listing is {RECORDS} records"
    );
    let auth = format!("Authorization: Bearer {}", api.token);
    let mut folio_runs = Vec::new();
    let mut bare_runs = Vec::new();
    for _ in 0..rounds {
        folio_runs.push(wrk(&format!("{folio}/api/v1/files"), &auth, cores, seconds).await?);
        bare_runs.push(wrk(&format!("http://{bare}/api/v1/files"), &auth, cores, seconds).await?);
    }
    let (folio_run, bare_run) = (median(folio_runs), median(bare_runs));
    println!();
    println!("| server | requests/s (median round) | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for (name, run) in [
        ("folio `GET /api/v1/files`", &folio_run),
        ("bare axum, same bytes", &bare_run),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {} |",
            run.per_second, run.p50_ms, run.p99_ms, run.errors
        );
    }
    println!(
        "| folio / bare | **{:.2}x** (target ≥ 0.5x) | | **{:.2}x** (target ≤ 2x) | |",
        folio_run.per_second / bare_run.per_second,
        folio_run.p99_ms / bare_run.p99_ms
    );
    drop(folio_process);

    match idle_rss_mib(pages).await {
        Ok(rss) => println!("\n`folio serve` at rest: {rss:.1} MiB RSS (target < 60 MB)"),
        Err(e) => println!("\n`folio serve` at rest: not measured ({e})"),
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct WrkRun {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

fn median(mut runs: Vec<WrkRun>) -> WrkRun {
    runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    runs[runs.len() / 2]
}

async fn wrk(url: &str, auth: &str, threads: usize, seconds: u64) -> anyhow::Result<WrkRun> {
    let output = tokio::process::Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &CONNECTIONS.to_string()])
        .args(["-d", &format!("{seconds}s"), "--latency", "-H", auth, url])
        .output()
        .await
        .map_err(|e| anyhow::anyhow!("cannot run wrk ({e}): apt-get install wrk"))?;
    anyhow::ensure!(output.status.success(), "wrk failed");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(|rest| rest.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let per_second = field("Requests/sec:")
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let errors = field("Non-2xx or 3xx responses:")
        .first()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + field("Socket errors:")
            .iter()
            .filter_map(|v| v.trim_end_matches(',').parse::<u64>().ok())
            .sum::<u64>();
    Ok(WrkRun {
        per_second,
        p50_ms: field("50%").first().map_or(0.0, |v| millis(v)),
        p99_ms: field("99%").first().map_or(0.0, |v| millis(v)),
        errors,
    })
}

/// wrk's durations: `812.00us`, `1.53ms`, `2.01s`.
fn millis(text: &str) -> f64 {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => number,
    }
}

/// The release `folio` beside this example, started as a user would, left alone for a while.
async fn idle_rss_mib(pages: std::net::SocketAddr) -> anyhow::Result<f64> {
    let folio = FolioProcess::start(pages, &[]).await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    folio.rss_mib()
}
