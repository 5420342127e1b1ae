//! What a running Chromium was really started with, read from `/proc`, not from what Folio
//! meant to pass: a library between the two once turned every `--x` into an ignored `----x`.

use std::time::{Duration, Instant};

/// The switches every Folio browser must receive exactly as written (Debian's `chromium`
/// wrapper adds some of them too, so each must appear at least once).
pub const REQUIRED_SWITCHES: &[&str] = &[
    "--proxy-server=",
    "--proxy-bypass-list=<-loopback>",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
];

/// The command line of process `pid`.
pub fn argv(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|byte| *byte == 0)
                .filter(|arg| !arg.is_empty())
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn parent_of(pid: u32) -> Option<u32> {
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

/// Every process below `root`, at any depth.
pub fn descendants(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(all.iter().filter(|(_, p)| *p == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    found.remove(0);
    found
}

/// Whether `argv` is a Chromium browser process (not one of its helpers, which carry `--type=`).
pub fn is_browser(argv: &[String]) -> bool {
    argv.first()
        .is_some_and(|exe| exe.ends_with("/chromium") || exe.ends_with("/chrome"))
        && argv.iter().any(|arg| arg.starts_with("--remote-debugging-port"))
        && !argv.iter().any(|arg| arg.starts_with("--type="))
}

/// The command line of the Chromium browser started somewhere below `root`, waiting up to
/// `wait` for one to appear.
pub fn browser_argv_below(root: u32, wait: Duration) -> Option<Vec<String>> {
    let deadline = Instant::now() + wait;
    loop {
        let found = descendants(root)
            .into_iter()
            .map(argv)
            .find(|argv| is_browser(argv));
        if found.is_some() || Instant::now() >= deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Panics unless every required switch arrived with two dashes and nothing has three.
pub fn assert_switches_arrived(argv: &[String]) {
    for required in REQUIRED_SWITCHES {
        assert!(
            argv.iter()
                .any(|arg| arg == required || (required.ends_with('=') && arg.starts_with(required))),
            "Chromium did not receive {required}: {argv:?}"
        );
    }
    let mangled: Vec<&String> = argv.iter().filter(|arg| arg.starts_with("---")).collect();
    assert!(mangled.is_empty(), "switches Chromium ignores: {mangled:?}");
}
