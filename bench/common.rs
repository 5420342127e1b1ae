//! What the benchmark programs share: the pages they render (served on 127.0.0.1), the
//! Playwright script they compare against, and how figures are summarised and measured.
//! Included by `render/examples/render_bench.rs` and `backend/examples/e2e_bench.rs`.

#![allow(dead_code)] // Each benchmark uses a different part.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::Html;
use axum::routing::get;

/// The pages every benchmark renders, round-robin.
pub const PAGES: [&str; 4] = ["article", "long", "styled", "table"];

/// The value after `flag` on the command line (`--jobs 60`).
pub fn flag_value(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Where the Playwright comparison script lives, and whether its node modules are installed.
pub fn playwright_dir() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/playwright");
    dir.join("node_modules/playwright-core").exists().then_some(dir)
}

pub struct Figures {
    pub jobs: usize,
    pub per_second: f64,
    pub latencies_ms: Vec<f64>,
    pub peak_pss_mib: f64,
}

/// Several rounds of one engine at one concurrency: the median round's throughput, latency
/// percentiles over every job, and the highest memory peak.
pub fn summarise(rounds: &[Figures]) -> (f64, f64, f64, f64, usize) {
    let mut rates: Vec<f64> = rounds.iter().map(|r| r.per_second).collect();
    rates.sort_by(f64::total_cmp);
    let mut latencies: Vec<f64> = rounds
        .iter()
        .flat_map(|r| r.latencies_ms.iter().copied())
        .collect();
    latencies.sort_by(f64::total_cmp);
    let peak = rounds.iter().map(|r| r.peak_pss_mib).fold(0.0, f64::max);
    (
        rates[rates.len() / 2],
        percentile(&latencies, 50.0),
        percentile(&latencies, 95.0),
        peak,
        rounds.iter().map(|r| r.jobs).sum(),
    )
}

pub fn print_row(
    engine: &str,
    concurrency: usize,
    (rate, p50, p95, peak, jobs): (f64, f64, f64, f64, usize),
) {
    println!("| {engine} | {concurrency} | {jobs} | {rate:.1} | {p50:.0} | {p95:.0} | {peak:.0} |");
}

pub async fn bench_playwright(
    dir: &Path,
    urls: &[String],
    concurrency: usize,
    jobs: usize,
) -> anyhow::Result<Figures> {
    let child = tokio::process::Command::new("node")
        .current_dir(dir)
        .arg("render.mjs")
        .arg(concurrency.to_string())
        .arg(jobs.to_string())
        .args(urls)
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let sampler = MemorySampler::start(child.id().unwrap_or_default());
    let output = child.wait_with_output().await?;
    let peak = sampler.stop();
    anyhow::ensure!(output.status.success(), "the Playwright script failed");
    let figures: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok(Figures {
        jobs,
        per_second: figures["per_second"].as_f64().unwrap_or_default(),
        latencies_ms: figures["latencies_ms"]
            .as_array()
            .map(|all| all.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default(),
        peak_pss_mib: peak,
    })
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((p / 100.0) * sorted.len() as f64)
        .floor()
        .min((sorted.len() - 1) as f64) as usize]
}

/// Samples the summed PSS of a process's Chromium descendants every 250 ms and keeps the peak.
/// PSS divides each shared page among the processes that map it, so the sum is what the
/// browser really holds (a sum of RSS counts shared pages once per process). Reading it walks
/// Chromium's page tables, which costs CPU: measure Folio's CPU in a process of its own.
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<f64>,
}

impl MemorySampler {
    pub fn start(root: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut peak_kib = 0u64;
            while !stopping.load(Ordering::Relaxed) {
                peak_kib = peak_kib.max(chromium_pss_kib(root));
                std::thread::sleep(Duration::from_millis(250));
            }
            peak_kib as f64 / 1024.0
        });
        Self { stop, handle }
    }

    /// The peak in MiB.
    pub fn stop(self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

pub fn chromium_pss_kib(root: u32) -> u64 {
    let tree: Vec<u32> = std::iter::once(root)
        .chain(folio_render::procfs::descendants(root))
        .collect();
    tree.iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.contains("chrom"))
        })
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .filter_map(|rollup| {
            rollup
                .lines()
                .find(|line| line.starts_with("Pss:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .sum()
}

pub fn chromium_version(chrome: &Path) -> String {
    std::process::Command::new(chrome)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "not found".into())
}

pub async fn serve_pages() -> anyhow::Result<SocketAddr> {
    let article = "<!doctype html><html><head><title>Article</title></head><body><h1>An article</h1>"
        .to_owned()
        + &"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>".repeat(12)
        + "</body></html>";
    let long = "<!doctype html><html><head><title>Long</title></head><body>".to_owned()
        + &(1..=150).map(|i| format!("<h2>Section {i}</h2><p>Text of section {i}, long enough to wrap across the printed line a couple of times for realism.</p>")).collect::<String>()
        + "</body></html>";
    let styled = r#"<!doctype html><html><head><title>Styled</title><style>
        body { font-family: serif; margin: 2em; } .card { border: 1px solid #ccc; border-radius: 8px; padding: 1em; margin: 1em 0;
        box-shadow: 0 2px 6px rgba(0,0,0,.2); background: linear-gradient(#fff, #eef); } h1 { color: #236; }</style></head><body>
        <h1>Styled page</h1>"#
        .to_owned()
        + &(1..=20).map(|i| format!("<div class=card><h3>Card {i}</h3><p>Some styled content in card {i}.</p></div>")).collect::<String>()
        + "</body></html>";
    let table = "<!doctype html><html><head><title>Table</title><style>td,th{border:1px solid #999;padding:4px}</style></head><body><table>"
        .to_owned()
        + &(1..=200).map(|i| format!("<tr><td>{i}</td><td>Item {i}</td><td>{}</td><td>{:.2}</td></tr>", i * 7, i as f64 * 1.5)).collect::<String>()
        + "</table></body></html>";
    let app = axum::Router::new()
        .route("/article", get(move || async move { Html(article) }))
        .route("/long", get(move || async move { Html(long) }))
        .route("/styled", get(move || async move { Html(styled) }))
        .route("/table", get(move || async move { Html(table) }));
    Ok(folio_testkit::api::serve_pages(app).await)
}

/// User plus system CPU time of this process alone (not Chromium), from /proc/self/stat.
pub fn own_cpu_seconds() -> f64 {
    cpu_seconds("/proc/self/stat")
}

fn cpu_seconds(stat: &str) -> f64 {
    let stat = std::fs::read_to_string(stat).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: state is field 0, utime 11, stime 12; the kernel counts in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

/// The release `folio` binary beside the running example (`target/release/folio`), started with
/// `serve` as a user would; killed when dropped. Measuring it from outside leaves the
/// benchmark's own client, page server and sampling out of its figures.
pub struct FolioProcess {
    child: std::process::Child,
    pub base: String,
    _data: tempfile::TempDir,
}

impl FolioProcess {
    /// `folio serve` on a free port with a data folder of its own, fetching only from `pages`;
    /// `env` adds settings. Returns once `/readyz` answers.
    pub async fn start(pages: SocketAddr, env: &[(&str, String)]) -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        let port = folio_testkit::api::free_port();
        let child = std::process::Command::new(folio_binary()?)
            .arg("serve")
            .env("FOLIO_ADDR", format!("127.0.0.1:{port}"))
            .env("FOLIO_DATA_DIR", data.path())
            .env("FOLIO_RENDER_ALLOW_ADDRS", pages.to_string())
            .envs(env.iter().map(|(name, value)| (name, value)))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        folio_testkit::api::Api::new(base.clone()).wait_ready().await;
        Ok(Self {
            child,
            base,
            _data: data,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User plus system CPU seconds of the Folio process alone (its Chromium is another process).
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(&format!("/proc/{}/stat", self.pid()))
    }

    /// Resident memory of the Folio process in MiB.
    pub fn rss_mib(&self) -> anyhow::Result<f64> {
        match folio_render::procfs::resident_bytes(self.pid()) {
            0 => anyhow::bail!("folio is not running"),
            bytes => Ok(bytes as f64 / (1024.0 * 1024.0)),
        }
    }
}

impl Drop for FolioProcess {
    fn drop(&mut self) {
        // SIGTERM, and time for its 10 s drain: Folio stops its Chromium on the way out, and a
        // SIGKILL would leave that browser running with no parent.
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        for _ in 0..200 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `FOLIO_BENCH_BINARY` names another build to measure (a change reverted, say); otherwise
/// the release `folio` beside this example.
fn folio_binary() -> anyhow::Result<std::path::PathBuf> {
    if let Some(binary) = std::env::var_os("FOLIO_BENCH_BINARY") {
        return Ok(binary.into());
    }
    let exe = std::env::current_exe()?;
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("folio"))
        .filter(|binary| binary.exists())
        .ok_or_else(|| {
            anyhow::anyhow!("build it first: cargo build --release -p folio-backend --bin folio")
        })?;
    Ok(binary)
}
