//! Helpers for whole-system tests: find Folio's binaries and run them as child processes.

pub mod api;
pub mod chromium;
pub mod manifests;
pub mod mariadb;
pub mod moto;
pub mod sqs;
pub mod sse;
pub mod webhook;

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::OnceLock;

use anyhow::{bail, Context};

/// The path of one of the workspace's binaries (`folio`, `bootstrap`), built first if stale.
///
/// Cargo only exposes `CARGO_BIN_EXE_*` to tests of the binary's own package, so this asks cargo
/// itself, with the same feature selection `cargo test --workspace` uses.
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    static BUILT: OnceLock<Result<Vec<PathBuf>, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| build_workspace_binaries().map_err(|e| format!("{e:#}")));
    let binaries = built.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    binaries
        .iter()
        .find(|path| path.file_name().is_some_and(|file| file == name))
        .cloned()
        .with_context(|| format!("the workspace has no binary named {name}"))
}

fn build_workspace_binaries() -> anyhow::Result<Vec<PathBuf>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["build", "--workspace", "--bins", "--message-format=json"])
        .current_dir(workspace_root())
        .output()
        .context("could not run cargo build")?;
    if !output.status.success() {
        bail!("cargo build failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let mut binaries = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(executable) = message.get("executable").and_then(|e| e.as_str()) {
            binaries.push(PathBuf::from(executable));
        }
    }
    Ok(binaries)
}

/// A job for `url` with default options, as the API would queue it for `owner`.
pub fn job_for(owner: uuid::Uuid, url: &str) -> folio_core::RenderJob {
    use folio_core::{Engine, PageUrl, RenderJob, RenderOptions};
    let url = PageUrl::parse(url).expect("a valid page URL");
    RenderJob::new(owner, url, RenderOptions::default(), Engine::Chromium)
}

/// The `n`th of some distinct jobs, for tests of the ports that never render them.
pub fn numbered_job(owner: uuid::Uuid, n: usize) -> folio_core::RenderJob {
    job_for(owner, &format!("https://example.com/{n}"))
}

/// What the API does before it queues a job: the file is recorded as queued. The job.
pub async fn record_queued_job(
    index: &dyn folio_core::ports::FileIndex,
    owner: uuid::Uuid,
    url: String,
) -> folio_core::RenderJob {
    let job = job_for(owner, &url);
    index
        .insert(owner, &folio_core::FileRecord::queued(&job))
        .await
        .expect("the file is recorded");
    job
}

/// A page of `tests/fixtures/hostile` by file name (nothing outside that folder).
pub fn hostile_fixture(name: &str) -> PathBuf {
    fixture("hostile", name)
}

/// A page of `tests/fixtures/capture`: consent platforms' banners and overlays as sites ship
/// them, around an article, for the `clean` option.
pub fn capture_fixture(name: &str) -> PathBuf {
    fixture("capture", name)
}

fn fixture(folder: &str, name: &str) -> PathBuf {
    let name = std::path::Path::new(name)
        .file_name()
        .map(|n| n.to_owned())
        .unwrap_or_default();
    workspace_root().join("tests/fixtures").join(folder).join(name)
}

/// Every file below `dir`, at any depth; none when it does not exist.
pub fn files_below(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|entry| match entry.path() {
            path if path.is_dir() => files_below(&path),
            path => vec![path],
        })
        .collect()
}

/// The file named `name` somewhere below `dir`.
pub fn find_file(dir: &std::path::Path, name: &str) -> Option<PathBuf> {
    files_below(dir)
        .into_iter()
        .find(|path| path.file_name().is_some_and(|file| file == name))
}

pub fn workspace_root() -> PathBuf {
    // Read when the test runs (cargo sets it for every test process): the value baked in at
    // compile time names whichever checkout first built this crate into a shared target folder.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("tests/ sits inside the workspace")
        .to_path_buf()
}

/// A child process that is killed when the test lets go of it, pass or fail, with every
/// process it started: a `folio` killed alone leaves its Chromium running with no parent (a
/// dozen browsers after each run of the system tests, before this).
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Read before the kill: once the child is gone, its processes no longer name it.
        let family = folio_render::procfs::descendants(self.0.id());
        let _ = self.0.kill();
        let _ = self.0.wait();
        for pid in family {
            if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
        }
    }
}

/// Runs `command` to its end and returns what it printed; panics, with its stderr, unless it
/// succeeded. `what` says what was missing if it could not start.
pub fn run_checked(command: &mut Command, what: &str) -> std::process::Output {
    let output = command.output().expect(what);
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The text of a PDF as `pdftotext` (poppler-utils) extracts it, whitespace collapsed.
pub fn pdf_text(pdf: &[u8]) -> String {
    let output = poppler(
        pdf,
        "pdftotext",
        &[],
        &["-"],
        "pdftotext (poppler-utils) is needed to read PDFs in tests; make test installs it",
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a poppler tool on `pdf` (written to a temporary file): `tool before… file after…`.
fn poppler(pdf: &[u8], tool: &str, before: &[&str], after: &[&str], what: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    run_checked(Command::new(tool).args(before).arg(&path).args(after), what)
}

/// What poppler's `pdfinfo` says of a PDF (`Tagged: yes`, `Pages: 3`, `Title: …`), with `args`
/// (`-meta` adds the XMP metadata).
pub fn pdf_info(pdf: &[u8], args: &[&str]) -> String {
    let output = poppler(pdf, "pdfinfo", args, &[], "pdfinfo (poppler-utils)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The titles of a PDF's outline (bookmarks), as `pdftohtml -xml` lists them, in order.
pub fn pdf_outline(pdf: &[u8]) -> Vec<String> {
    let output = poppler(
        pdf,
        "pdftohtml",
        &["-xml", "-stdout", "-i", "-q"],
        &[],
        "pdftohtml (poppler-utils)",
    );
    let xml = String::from_utf8_lossy(&output.stdout);
    xml.split("<item")
        .skip(1)
        .filter_map(|item| {
            let text = item.split_once('>')?.1.split_once("</item>")?.0;
            Some(text.replace("&amp;", "&").trim().to_owned())
        })
        .collect()
}

/// Every entry of a ZIP as Python's `zipfile` reads it (an independent reader, checking each
/// entry's CRC): its name and bytes, in the archive's order.
pub fn zip_entries(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.zip");
    std::fs::write(&path, archive).unwrap();
    let script = "import sys, zipfile, json, base64\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        assert z.testzip() is None\n\
        print(json.dumps([[n, base64.b64encode(z.read(n)).decode()] for n in z.namelist()]))";
    let output = run_checked(
        Command::new("python3").args(["-c", script]).arg(&path),
        "python3 zipfile",
    );
    let entries: Vec<(String, String)> = serde_json::from_slice(&output.stdout).unwrap();
    entries
        .into_iter()
        .map(|(name, bytes)| {
            use base64::Engine as _;
            (
                name,
                base64::engine::general_purpose::STANDARD.decode(bytes).unwrap(),
            )
        })
        .collect()
}
