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

pub use folio_render::procfs::{descendants, resident_bytes};

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
    browser_below(root, wait).map(argv)
}

/// The process id of the Chromium browser started somewhere below `root`, waiting up to `wait`
/// for one to appear (a browser is launched for the first job, a moment after it starts).
pub fn browser_below(root: u32, wait: Duration) -> Option<u32> {
    let deadline = Instant::now() + wait;
    loop {
        let found = descendants(root).into_iter().find(|pid| is_browser(&argv(*pid)));
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

/// Panics unless the browser got every switch as written, and none of Lambda's.
pub fn assert_started_as_on_a_server(argv: &[String]) {
    assert_switches_arrived(argv);
    assert!(
        !argv.iter().any(|arg| arg == "--no-zygote"),
        "outside Lambda Chromium keeps its zygote: {argv:?}"
    );
}
