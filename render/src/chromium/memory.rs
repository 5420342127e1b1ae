//! A bound on the memory one page may take. Chromium has no such limit of its own (a page's
//! typed arrays live outside the V8 heap that `--max-old-space-size` caps), so a watchdog reads
//! each renderer's resident memory from `/proc` and kills a renderer that passes the bound;
//! the tab it served crashes, and its job fails with the reason.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
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
        let mut processes = ProcessTable::default();
        loop {
            if Arc::strong_count(&kills) == 1 {
                return; // The browser is gone.
            }
            for pid in processes.renderers_below(browser) {
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

/// What the watch has learnt of the machine's processes, kept between its ticks: a process's
/// parent is read once, when it first appears, so a tick lists `/proc` and reads little else
/// (reading every process's `stat` ten times a second was most of Folio's own CPU at rest).
#[derive(Debug, Default)]
struct ProcessTable {
    seen: HashMap<u32, Seen>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    parent: u32,
    /// What the process said it is. A renderer starts as a fork of the zygote and names itself
    /// a moment later, so only a process that named itself something is not asked again.
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not known yet: still the zygote's name, or its command line could not be read.
    Unnamed,
    Renderer,
    /// The GPU process, a utility, the zygote itself: never a page.
    Other,
}

impl ProcessTable {
    /// Renderer processes at any depth below `root` (a zygote sits between them unless
    /// `--no-zygote`).
    fn renderers_below(&mut self, root: u32) -> Vec<u32> {
        let running = crate::procfs::pids();
        let alive: HashSet<u32> = running.iter().copied().collect();
        self.seen.retain(|pid, _| alive.contains(pid));
        for pid in running {
            if let Entry::Vacant(slot) = self.seen.entry(pid) {
                if let Some(parent) = crate::procfs::parent_of(pid) {
                    slot.insert(Seen {
                        parent,
                        kind: Kind::Unnamed,
                    });
                }
            }
        }
        let parents = self.seen.iter().map(|(pid, seen)| (*pid, seen.parent));
        crate::procfs::below(root, parents)
            .into_iter()
            .filter(|pid| {
                let Some(seen) = self.seen.get_mut(pid) else {
                    return false;
                };
                if seen.kind == Kind::Unnamed {
                    seen.kind = kind_of(*pid, seen.parent == root);
                }
                seen.kind == Kind::Renderer
            })
            .collect()
    }
}

/// A zygote is a child of the browser itself; any other process still bearing the zygote's
/// name is one of its forks that has not named itself yet.
fn kind_of(pid: u32, child_of_browser: bool) -> Kind {
    let Ok(argv) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return Kind::Unnamed;
    };
    // Chromium rewrites its helpers' command lines as one space-separated string.
    let kind = argv
        .split(|b| *b == 0 || *b == b' ')
        .find_map(|arg| arg.strip_prefix(b"--type="));
    match kind {
        Some(b"renderer") => Kind::Renderer,
        Some(b"zygote") if !child_of_browser => Kind::Unnamed,
        _ => Kind::Other,
    }
}
