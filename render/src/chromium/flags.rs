//! The command line Chromium is started with, and how it is handed to chromiumoxide.
//!
//! chromiumoxide's builder takes a switch *name* and writes the leading `--` itself: a switch
//! given as `--x` reaches Chromium as `----x`, an unknown switch it silently ignores. So the
//! switches are written here as Chromium reads them, for review against Chromium's and
//! Playwright's lists, and [`builder_arg`] turns each into the name and value the builder wants.
//! A test reads the running browser's `/proc/<pid>/cmdline` to prove what arrives.

use std::path::Path;

/// Flags for a headless Chromium on a server, close to what Playwright passes: no sandbox
/// (containers are the sandbox), and no background traffic (updates, sync, safe browsing) that
/// would bypass the guard or hammer a closed network.
const SERVER_SWITCHES: &[&str] = &[
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
    "--no-sandbox",
    "--disable-setuid-sandbox",
    "--disable-extensions",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-breakpad",
    "--disable-client-side-phishing-detection",
    "--disable-component-extensions-with-background-pages",
    "--disable-default-apps",
    "--disable-popup-blocking",
    "--disable-prompt-on-repost",
    "--force-color-profile=srgb",
    "--password-store=basic",
    "--use-mock-keychain",
    "--enable-automation",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-domain-reliability",
    "--disable-field-trial-config",
    "--allow-pre-commit-input",
    "--no-service-autorun",
    "--no-default-browser-check",
    "--disable-search-engine-choice-screen",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,GlobalMediaControls,\
     PaintHolding,DestroyProfileOnBrowserClose,AvoidUnnecessaryBeforeUnloadCheckSync,HttpsUpgrades,\
     NetworkTimeServiceQuerying,AimEnabled,LensOverlay,InterestFeedContentSuggestions",
    "--metrics-recording-only",
    "--no-pings",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--font-render-hinting=none",
    // A page navigated away from is not kept alive for a "back" that never comes.
    "--disable-back-forward-cache",
    "--disable-renderer-backgrounding",
    "--disable-ipc-flooding-protection",
    "--disable-hang-monitor",
    // Jobs open their own tabs; the window Chromium opens at start would only hold memory.
    "--no-startup-window",
    // Without this Chromium talks to loopback directly, skipping the proxy and its checks.
    "--proxy-bypass-list=<-loopback>",
];

/// Where the browser runs, which decides the few switches that differ between a server and
/// AWS Lambda. See `docs/decisions/0003-chromium-on-lambda.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LaunchMode {
    /// A process on a machine or in a container: Chromium's usual process model.
    #[default]
    Server,
    /// Inside AWS Lambda: a read-only filesystem but for `/tmp`, no `/dev/shm`, a non-root user
    /// and a frozen process between invocations. No zygote (it forks helpers that Lambda's
    /// freeze and thaw leave behind), and everything Chromium writes goes under `/tmp`.
    Lambda,
}

impl LaunchMode {
    /// The variable the Lambda runtime sets in every function's environment.
    pub const LAMBDA_RUNTIME_API: &'static str = "AWS_LAMBDA_RUNTIME_API";

    /// `Lambda` when the Lambda runtime API is set, and only then.
    pub fn detect(env: &folio_core::settings::Env) -> Self {
        if env.text(Self::LAMBDA_RUNTIME_API).is_some() {
            Self::Lambda
        } else {
            Self::Server
        }
    }

    /// Where the browser's profile, caches and crash reports go.
    pub fn scratch_root(self) -> std::path::PathBuf {
        match self {
            // The only writable place in a Lambda sandbox, whatever TMPDIR says.
            Self::Lambda => std::path::PathBuf::from("/tmp"),
            Self::Server => std::env::temp_dir(),
        }
    }
}

/// Every switch for one launch, as Chromium reads them (`--name` or `--name=value`).
pub fn switches(mode: LaunchMode, proxy_url: &str, profile: &Path, user_agent: Option<&str>) -> Vec<String> {
    let mut switches: Vec<String> = SERVER_SWITCHES.iter().map(|s| (*s).to_owned()).collect();
    // The profile (`--user-data-dir`) and window size are set through the builder's own
    // options: it adds them whatever is passed here, and would merge two values into one.
    switches.push(format!("--proxy-server={proxy_url}"));
    // Browser-wide, so service workers and other targets no tab override reaches say it too.
    if let Some(agent) = user_agent {
        switches.push(format!("--user-agent={agent}"));
    }
    if mode == LaunchMode::Lambda {
        switches.push("--no-zygote".to_owned());
        switches.push(format!("--crash-dumps-dir={}", profile.join("crashes").display()));
        switches.push(format!("--disk-cache-dir={}", profile.join("cache").display()));
    }
    switches
}

/// The user agent Chromium `version_line` (its `--version`, e.g. "Chromium 156.0.8078.79
/// built on Debian") shows when not headless, in the reduced form every desktop Chrome sends
/// on Linux; `None` for a line that names no version.
pub fn user_agent_for(version_line: &str) -> Option<String> {
    let major = version_line
        .split_whitespace()
        .find(|word| word.contains('.') && word.chars().next().is_some_and(|c| c.is_ascii_digit()))?
        .split('.')
        .next()?
        .parse::<u32>()
        .ok()?;
    Some(format!(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
    ))
}

/// The environment Chromium gets besides the host's: in Lambda, `HOME` and the XDG folders
/// point into the profile, since fontconfig and NSS write below them and `/` is read-only.
pub fn environment(mode: LaunchMode, profile: &Path) -> Vec<(String, String)> {
    match mode {
        LaunchMode::Server => Vec::new(),
        LaunchMode::Lambda => ["HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"]
            .into_iter()
            .zip(["home", "config", "cache", "data"])
            .map(|(name, dir)| (name.to_owned(), profile.join(dir).display().to_string()))
            .collect(),
    }
}

/// A switch as chromiumoxide's builder takes it: the name without its dashes, and the value.
pub fn builder_arg(switch: &str) -> (String, Option<String>) {
    let bare = switch.trim_start_matches('-');
    match bare.split_once('=') {
        Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
        None => (bare.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_agent_is_chromes_own_without_headless() {
        assert_eq!(
            user_agent_for("Chromium 156.0.8078.79 built on Debian GNU/Linux 12 (bookworm)").as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36")
        );
        assert_eq!(
            user_agent_for("Google Chrome 131.0.6778.85 ")
                .as_deref()
                .map(|a| a.contains("Chrome/131.0.0.0")),
            Some(true)
        );
        assert_eq!(user_agent_for("no version here"), None);
    }

    #[test]
    fn builder_args_carry_no_dashes_of_their_own() {
        for switch in switches(
            LaunchMode::Lambda,
            "http://127.0.0.1:1",
            Path::new("/tmp/p"),
            Some("Agent/1 (X11)"),
        ) {
            assert!(switch.starts_with("--") && !switch.starts_with("---"), "{switch}");
            let (name, value) = builder_arg(&switch);
            assert!(!name.starts_with('-') && !name.is_empty(), "{switch}");
            let rebuilt = match value {
                Some(value) => format!("--{name}={value}"),
                None => format!("--{name}"),
            };
            assert_eq!(rebuilt, switch);
        }
    }

    #[test]
    fn lambda_mode_only_with_the_runtime_api() {
        use folio_core::settings::Env;
        assert_eq!(LaunchMode::detect(&Env::new(|_| None)), LaunchMode::Server);
        let lambda = LaunchMode::detect(&Env::new(|name| {
            (name == "AWS_LAMBDA_RUNTIME_API").then(|| "127.0.0.1:9001".into())
        }));
        assert_eq!(lambda, LaunchMode::Lambda);
        let profile = Path::new("/tmp/p");
        let server = switches(LaunchMode::Server, "http://x", profile, None);
        assert!(!server.iter().any(|s| s == "--no-zygote"));
        let lambda = switches(LaunchMode::Lambda, "http://x", profile, None);
        assert!(lambda.iter().any(|s| s == "--no-zygote"));
        assert!(lambda.iter().any(|s| s.starts_with("--crash-dumps-dir=/tmp/")));
    }
}
