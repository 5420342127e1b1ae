//! A bound on the memory one page may take. Chromium has no such limit of its own (a page's
//! typed arrays live outside the V8 heap that `--max-old-space-size` caps), so a watchdog reads
//! each renderer's resident memory from `/proc` and kills a renderer that passes the bound;
//! the tab it served crashes, and its job fails with the reason.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_millis(100);

/// Renderers killed for their memory since the browser started; a render that sees this move
/// while its tab crashed knows why.
#[derive(Debug, Default)]
pub(crate) struct MemoryKills(AtomicU64);

impl MemoryKills {
    pub(crate) fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Watches the renderers below `browser` for as long as anyone else holds `kills` (the browser's
/// handle): when the handle is dropped, the watch ends by itself.
pub(crate) fn watch(browser: u32, limit_bytes: u64, kills: Arc<MemoryKills>) {
    tokio::task::spawn_blocking(move || {
        // A blocking loop on its own thread: reading /proc is file I/O, and the watch must keep
        // running while the async workers are busy with the very page it is watching.
        loop {
            if Arc::strong_count(&kills) == 1 {
                return; // The browser is gone.
            }
            for pid in renderers_below(browser) {
                let resident = crate::procfs::resident_bytes(pid);
                if resident > limit_bytes {
                    tracing::warn!(
                        pid,
                        resident_mib = resident >> 20,
                        limit_mib = limit_bytes >> 20,
                        "a page passed its memory bound; its renderer is stopped"
                    );
                    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
                        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                    }
                    kills.0.fetch_add(1, Ordering::Relaxed);
                }
            }
            std::thread::sleep(INTERVAL);
        }
    });
}

/// Renderer processes at any depth below `root` (a zygote sits between them unless
/// `--no-zygote`).
fn renderers_below(root: u32) -> Vec<u32> {
    crate::procfs::descendants(root)
        .into_iter()
        .filter(|pid| is_renderer(*pid))
        .collect()
}

fn is_renderer(pid: u32) -> bool {
    // Chromium rewrites its helpers' command lines as one space-separated string.
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|argv| {
            argv.split(|b| *b == 0 || *b == b' ')
                .any(|arg| arg == b"--type=renderer")
        })
        .unwrap_or(false)
}
