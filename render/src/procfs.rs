//! What `/proc` says about processes: parents, descendants, resident memory. Used by the guard
//! proxies (which process connected) and the memory watchdog, and by the tests that check what
//! really runs.

use std::collections::HashSet;

/// Whether `pid` is `root` or below it, walking up its parents.
pub fn is_below(mut pid: u32, root: u32) -> bool {
    for _ in 0..64 {
        if pid == root {
            return true;
        }
        match parent_of(pid) {
            Some(parent) if parent > 1 => pid = parent,
            _ => return false,
        }
    }
    false
}

/// Every process running now, by id: one listing of `/proc`, nothing read inside it.
pub fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .collect()
}

/// Every process below `root`, at any depth.
pub fn descendants(root: u32) -> HashSet<u32> {
    let parents: Vec<(u32, u32)> = pids()
        .into_iter()
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    below(root, parents).into_iter().collect()
}

/// The processes below `root` at any depth, given each process's parent as `(pid, parent)`.
pub fn below(root: u32, parents: impl IntoIterator<Item = (u32, u32)>) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = parents.into_iter().collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    found.split_off(1)
}

/// The parent of `pid`, from `/proc/<pid>/stat`.
pub fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself hold spaces or parentheses.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// The resident memory of process `pid` (0 once it is gone).
pub fn resident_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let kib = status.lines().find_map(|line| line.strip_prefix("VmRSS:"))?;
            kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}
