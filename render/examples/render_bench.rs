//! Renderer benchmark: renders a fixed set of local pages N times at concurrency 1, 2 and 4 and
//! prints conversions per second, p50/p95 latency and peak Chromium memory, for Folio's engine
//! and, when `bench/playwright` has its node modules, for a Playwright script doing the same
//! work on the same Chromium (`page.goto` + `page.pdf` on reused tabs). Folio runs twice per
//! round: with its defaults (`clean` on) and with `clean: false`, to show what cleaning costs.
//!
//! `cargo run --release -p folio-render --example render_bench -- [--jobs 60] [--concurrency 1,2,4]`
//! (`make bench`). Figures go to BENCHMARKS.md; nothing here asserts on time.

#[path = "../../bench/common.rs"]
mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use folio_core::{PageUrl, RenderOptions};
use folio_render::{ChromiumConfig, ChromiumEngine, Guard, RenderSettings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| flag_value(&args, flag);
    let jobs: usize = value("--jobs").map_or(Ok(60), |v| v.parse())?;
    let levels: Vec<usize> = value("--concurrency")
        .unwrap_or_else(|| "1,2,4".into())
        .split(',')
        .map(|n| n.trim().parse())
        .collect::<Result<_, _>>()?;
    let rounds: usize = value("--rounds").map_or(Ok(3), |v| v.parse())?;
    let skip_playwright = args.iter().any(|a| a == "--no-playwright");

    let addr = serve_pages().await?;
    let urls: Vec<String> = PAGES.iter().map(|page| format!("http://{addr}/{page}")).collect();
    let chrome = RenderSettings::default().chrome_path;
    let playwright_dir = playwright_dir().filter(|_| !skip_playwright);
    let playwright = playwright_dir.is_some();

    println!("Chromium: {}", chromium_version(&chrome));
    println!(
        "pages: {} (served on 127.0.0.1); {rounds} alternating rounds of {jobs} jobs per engine and concurrency, each after a warm-up",
        urls.len()
    );
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    println!("| engine | concurrency | jobs | conversions/s (median round) | p50 ms | p95 ms | peak Chromium PSS MiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &concurrency in &levels {
        let mut folio = Vec::new();
        let mut unclean = Vec::new();
        let mut script = Vec::new();
        // Alternating rounds, so drift in the machine's speed hits both sides alike.
        for _ in 0..rounds {
            folio.push(bench_folio(&chrome, addr, &urls, concurrency, jobs, true).await?);
            unclean.push(bench_folio(&chrome, addr, &urls, concurrency, jobs, false).await?);
            if let Some(dir) = &playwright_dir {
                script.push(bench_playwright(dir, &urls, concurrency, jobs).await?);
            }
        }
        let folio = summarise(&folio);
        let unclean = summarise(&unclean);
        print_row("folio (chromiumoxide)", concurrency, folio);
        print_row("folio, `clean: false`", concurrency, unclean);
        println!(
            "| clean on / clean off | {concurrency} | | {:.2}x | | | |",
            folio.0 / unclean.0
        );
        if playwright {
            let script = summarise(&script);
            print_row("playwright script", concurrency, script);
            println!(
                "| folio / playwright | {concurrency} | | {:.2}x | | | |",
                folio.0 / script.0
            );
        }
    }
    println!(
        "\nbench process CPU (Folio's own work: DevTools client, guard proxy, page server): {:.1} s",
        own_cpu_seconds()
    );
    if !playwright && !skip_playwright {
        println!("\n(run `npm ci` in bench/playwright to compare with a Playwright script)");
    }
    Ok(())
}

async fn bench_folio(
    chrome: &Path,
    addr: SocketAddr,
    urls: &[String],
    concurrency: usize,
    jobs: usize,
    clean: bool,
) -> anyhow::Result<Figures> {
    let engine = Arc::new(ChromiumEngine::new(ChromiumConfig {
        executable: chrome.to_path_buf(),
        concurrency,
        timeout: Duration::from_secs(60),
        recycle_after: u64::MAX,
        // The guard stays on, as in production: its cost is part of the figure.
        guard: Guard::strict().with_allowed_addrs(vec![addr]),
        launch_mode: folio_render::LaunchMode::default(),
        max_pdf_bytes: folio_core::settings::DEFAULT_MAX_FILE_BYTES,
        max_page_memory: 1 << 30,
    }));
    let urls: Vec<PageUrl> = urls.iter().map(|u| PageUrl::parse(u)).collect::<Result<_, _>>()?;
    let options = RenderOptions {
        clean,
        ..RenderOptions::default()
    };
    // Warm-up: every tab renders every page once.
    let warm: Vec<_> = (0..concurrency)
        .map(|_| {
            let (engine, urls, options) = (engine.clone(), urls.clone(), options.clone());
            tokio::spawn(async move {
                for url in &urls {
                    engine.render(url, &options).await?;
                }
                Ok::<_, folio_render::RenderError>(())
            })
        })
        .collect();
    for task in warm {
        task.await??;
    }
    let pid = engine.browser_pid().await.unwrap_or_default();
    let sampler = MemorySampler::start(pid);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (engine, urls, options, next) = (engine.clone(), urls.clone(), options.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if job >= jobs {
                        return Ok::<_, folio_render::RenderError>(latencies);
                    }
                    let t0 = Instant::now();
                    engine.render(&urls[job % urls.len()], &options).await?;
                    latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = sampler.stop();
    engine.shutdown().await;
    Ok(Figures {
        jobs,
        per_second: jobs as f64 / seconds,
        latencies_ms: latencies,
        peak_pss_mib: peak,
    })
}
