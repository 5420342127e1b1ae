//! End-to-end throughput of the embedded mode: requests in through the HTTP API, PDFs done,
//! against a Playwright script converting the same pages on the same Chromium with as many
//! tabs as the machine has cores.
//!
//! Folio is the release `folio serve` in a process of its own (SQLite, local files, in-process
//! worker, SSRF guard on), with its default settings (it picks its own render concurrency).
//! Each round signs nothing up again: it opens the event stream, posts all the requests, and
//! stops the clock when the last `done` event arrives. Per-job latency is from the request's 202 to its `done` event.
//!
//! `cargo run --release -p folio-backend --example e2e_bench -- [--jobs 60] [--rounds 3]
//! [--concurrency N]`
//! (`make bench`). Figures go to BENCHMARKS.md; nothing here asserts on time.

#[path = "../../bench/common.rs"]
mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;
use folio_testkit::api::Api;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| flag_value(&args, flag);
    let jobs: usize = value("--jobs").map_or(Ok(60), |v| v.parse())?;
    let rounds: usize = value("--rounds").map_or(Ok(3), |v| v.parse())?;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

    let pages = serve_pages().await?;
    let urls: Vec<String> = PAGES.iter().map(|p| format!("http://{pages}/{p}")).collect();
    // `--concurrency N` measures another setting against the default.
    // Every round's requests are posted at once: no queue bound or request rate in the way.
    let mut env = vec![
        (folio_core::settings::MAX_QUEUED_JOBS, "100000".to_owned()),
        (folio_core::settings::REQUEST_RATE, "1000,100000".to_owned()),
    ];
    let defaults = folio_render::RenderSettings::default();
    let concurrency = match value("--concurrency") {
        Some(n) => {
            env.push((folio_core::settings::RENDER_CONCURRENCY, n.clone()));
            n.parse()?
        }
        None => defaults.concurrency,
    };
    let chrome = defaults.chrome_path;
    let folio = FolioProcess::start(pages, &env).await?;
    let api = Api::new(folio.base.clone())
        .sign_up_and_in("bench@example.com")
        .await;

    println!("Chromium: {}", chromium_version(&chrome));
    println!(
        "machine: {cores} cores; Folio render concurrency {concurrency}, Playwright tabs {cores}; \
         {rounds} alternating rounds of {jobs} jobs each, after a warm-up"
    );
    // Warm-up: Chromium started, every page rendered once.
    round(&api, &urls, urls.len(), folio.pid()).await?;

    let playwright = playwright_dir();
    let mut folio_runs = Vec::new();
    let mut script = Vec::new();
    let mut folio_cpu = 0.0;
    for _ in 0..rounds {
        let cpu_before = folio.cpu_seconds();
        let figures = round(&api, &urls, jobs, folio.pid()).await?;
        folio_cpu += folio.cpu_seconds() - cpu_before;
        folio_runs.push(figures);
        if let Some(dir) = &playwright {
            script.push(bench_playwright(dir, &urls, cores, jobs).await?);
        }
    }
    println!();
    println!(
        "| pipeline | tabs | jobs | PDFs done/s (median round) | p50 ms | p95 ms | peak Chromium PSS MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let summary = summarise(&folio_runs);
    print_row("folio embedded (HTTP request → PDF done)", concurrency, summary);
    match &playwright {
        Some(_) => {
            let script = summarise(&script);
            print_row("playwright script (goto + pdf)", cores, script);
            println!(
                "| folio / playwright | | | **{:.2}x** (target ≥ 1.2x) | | | **{:.2}x** (target ≤ 1x) |",
                summary.0 / script.0,
                summary.3 / script.3
            );
        }
        None => println!("\n(run `npm ci` in bench/playwright to compare with a Playwright script)"),
    }
    // `folio serve` in a process of its own: what it did for these jobs and nothing else.
    println!(
        "\nFolio's own CPU (the process, not Chromium) per job: {:.2} ms (target < 5 ms)",
        folio_cpu * 1000.0 / (rounds * jobs) as f64
    );
    Ok(())
}

/// Posts `jobs` requests and waits for each file's `done`; the figures of that round, with the
/// peak PSS of the Chromium that `folio` (process `root`) runs.
async fn round(api: &Api, urls: &[String], jobs: usize, root: u32) -> anyhow::Result<Figures> {
    let events = api.events().await.error_for_status()?;
    let sampler = MemorySampler::start(root);
    let started = Instant::now();
    let mut accepted_at = HashMap::new();
    for job in 0..jobs {
        let id = api.requested(&urls[job % urls.len()]).await;
        accepted_at.insert(id, Instant::now());
    }
    let mut latencies = Vec::with_capacity(jobs);
    let mut stream = folio_testkit::sse::ServerEvents::new(events);
    let deadline = Duration::from_secs(600);
    while latencies.len() < jobs {
        let change = tokio::time::timeout(deadline, stream.next_file_change())
            .await??
            .ok_or_else(|| anyhow::anyhow!("the event stream ended"))?;
        let id = change["id"].as_str().unwrap_or_default();
        match change["status"].as_str() {
            Some("done") => {
                if let Some(at) = accepted_at.get(id) {
                    latencies.push(at.elapsed().as_secs_f64() * 1000.0);
                }
            }
            Some("failed") => anyhow::bail!("a render failed: {change}"),
            _ => {}
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Figures {
        jobs,
        per_second: jobs as f64 / seconds,
        latencies_ms: latencies,
        peak_pss_mib: sampler.stop(),
    })
}
