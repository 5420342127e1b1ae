//! The Chromium engine: one warm headless Chromium per process, driven over the DevTools
//! protocol with `chromiumoxide` (async, one websocket; `headless_chrome` spends ~100 ms per
//! call in its blocking transport, see `docs/decisions/0001-chromiumoxide.md`).
//!
//! Concurrency is a bounded pool of *slots*, each one reusable tab: reusing tabs keeps per-job
//! overhead to what a hand-written Playwright script on reused tabs pays. Tabs live in one
//! browser context per owner (user), with that context's own [`GuardProxy`], so no cookie,
//! storage or cache entry ever crosses from one user to another, while one user's concurrent
//! jobs share a context as a script's tabs would (a context per tab costs about a fifth of the
//! throughput). Which job a refused request belongs to is read from each tab's own network
//! events. After [`SLOT_JOBS`] jobs, or any error, a tab is closed and made anew.
//!
//! The browser itself is relaunched when it dies (crash, kill, hang) and recycled after
//! `recycle_after` jobs to bound memory.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::emulation::SetEmulatedMediaParams;
use chromiumoxide::cdp::browser_protocol::inspector::EventTargetCrashed;
use chromiumoxide::cdp::browser_protocol::network::{
    CookieParam, EventLoadingFailed, EventRequestWillBeSent, EventResponseReceived, EventWebSocketCreated,
    Headers, SetCookiesParams, SetExtraHttpHeadersParams, SetUserAgentOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::page::{
    EventLifecycleEvent, GetFrameTreeParams, NavigateParams, PrintToPdfParams, PrintToPdfTransferMode,
};
use chromiumoxide::cdp::browser_protocol::storage::ClearCookiesParams;
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams, GetTargetInfoParams, SetAutoAttachParams,
};
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::{Browser, BrowserConfig, Page};
use folio_core::domain::text::{clip, MAX_NAME_CHARS};
use folio_core::render::{MediaType, WaitUntil};
use folio_core::{Engine, PageUrl, RenderOptions};
use futures::StreamExt;
use tokio::sync::{Mutex as AsyncMutex, Semaphore};

mod flags;
mod memory;

pub use flags::LaunchMode;

use crate::guard::Guard;
use crate::peer::AllowedPeers;
use crate::proxy::GuardProxy;
use crate::{pdf, RenderError, RenderedPdf};

/// Jobs one slot serves before its context is replaced: bounds what any leak could carry over.
const SLOT_JOBS: u32 = 100;
/// Cleanup of a slot or a launch that takes longer than this means the browser is wedged.
const HOUSEKEEPING_TIMEOUT: Duration = Duration::from_secs(10);
const NETWORK_IDLE_FALLBACK: Duration = Duration::from_millis(500);
/// How long a finished page may stay in a tab handed to a job that then took another tab.
const IDLE_PAGE_GRACE: Duration = Duration::from_millis(250);
static NEXT_SLOT_ID: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone)]
pub struct ChromiumConfig {
    pub executable: PathBuf,
    pub concurrency: usize,
    pub timeout: Duration,
    pub recycle_after: u64,
    pub guard: Guard,
    pub launch_mode: LaunchMode,
    pub max_pdf_bytes: u64,
    /// Resident memory one page's renderer may take before it is stopped.
    pub max_page_memory: u64,
}

pub struct ChromiumEngine {
    config: ChromiumConfig,
    permits: Arc<Semaphore>,
    /// Jobs waiting for a tab.
    waiting: AtomicUsize,
    current: AsyncMutex<Option<Arc<BrowserHandle>>>,
    generation: AtomicU64,
    /// The user agent every launch is given, learned once from the executable.
    user_agent: tokio::sync::OnceCell<Option<String>>,
}

/// What Chromium would call itself were it not headless, from its `--version`; `None` (and
/// Chromium's own agent, with `HeadlessChrome` replaced per tab) when that cannot be read.
async fn headful_user_agent(executable: &std::path::Path) -> Option<String> {
    let version = tokio::process::Command::new(executable)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    let output = match tokio::time::timeout(HOUSEKEEPING_TIMEOUT, version).await {
        Ok(Ok(output)) => output,
        _ => return None,
    };
    let agent = flags::user_agent_for(&String::from_utf8_lossy(&output.stdout));
    if agent.is_none() {
        tracing::warn!("could not read Chromium's version; service workers may say HeadlessChrome");
    }
    agent
}

struct BrowserHandle {
    browser: Browser,
    generation: u64,
    pid: Option<u32>,
    jobs_started: AtomicU64,
    dead: Arc<AtomicBool>,
    /// Chromium's own user agent without the "HeadlessChrome" token, which some sites refuse.
    user_agent: String,
    /// Flips to true when the DevTools connection ends, so in-flight jobs fail at once instead
    /// of waiting out their timeout on commands that will never be answered.
    died: tokio::sync::watch::Receiver<bool>,
    idle_slots: Mutex<Vec<Slot>>,
    memory_kills: Arc<memory::MemoryKills>,
    /// Chromium's processes: the only clients its guard proxies serve.
    peers: AllowedPeers,
    /// One browser context per owner with tabs open, shared by that owner's tabs.
    contexts: AsyncMutex<HashMap<String, Arc<OwnerContext>>>,
    /// Guards the default context, which no job uses but which must not be an open door either.
    _default_proxy: GuardProxy,
    _profile: tempfile::TempDir,
    handler: tokio::task::JoinHandle<()>,
}

impl Drop for BrowserHandle {
    fn drop(&mut self) {
        self.handler.abort();
        // `kill_on_drop` on the child ends the process; nothing async can run here.
        tracing::debug!(generation = self.generation, "browser retired");
    }
}

/// A user's browser context and the guard proxy all its requests go through.
struct OwnerContext {
    id: BrowserContextId,
    proxy: GuardProxy,
}

struct Slot {
    /// Tells this tab apart in the idle pool.
    id: u64,
    context: Arc<OwnerContext>,
    owner: String,
    page: Page,
    jobs: u32,
    /// Cookies given with the last job are that job's alone, even for the same owner.
    carries_job_cookies: bool,
    /// Request settings already in force in the tab, so unchanged ones are not sent again.
    applied: Applied,
}

#[derive(Default)]
struct Applied {
    user_agent: String,
    headers: std::collections::BTreeMap<String, String>,
    media: Option<MediaType>,
}

impl ChromiumEngine {
    pub fn new(config: ChromiumConfig) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            config,
            current: AsyncMutex::new(None),
            generation: AtomicU64::new(0),
            user_agent: tokio::sync::OnceCell::new(),
        }
    }

    pub fn config(&self) -> &ChromiumConfig {
        &self.config
    }

    /// Launches the browser now rather than on the first job.
    pub async fn warm_up(&self) -> Result<(), RenderError> {
        self.browser().await.map(|_| ())
    }

    /// Closes the browser and waits for it to exit; the next render would launch a new one.
    pub async fn shutdown(&self) {
        let Some(handle) = self.current.lock().await.take() else {
            return;
        };
        match Arc::try_unwrap(handle) {
            Ok(mut handle) => {
                let closing = async {
                    let _ = handle.browser.close().await;
                    let _ = handle.browser.wait().await;
                };
                if tokio::time::timeout(HOUSEKEEPING_TIMEOUT, closing).await.is_err() {
                    let _ = handle.browser.kill().await;
                }
            }
            // Jobs still hold it: it is killed when the last of them lets go.
            Err(_) => tracing::debug!("browser still in use at shutdown"),
        }
    }

    /// The running browser's process id, if one is running (for diagnostics and fault tests).
    pub async fn browser_pid(&self) -> Option<u32> {
        self.current.lock().await.as_ref().and_then(|handle| handle.pid)
    }

    /// How many browsers this engine has launched, counting relaunches after crashes.
    pub fn launches(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Renders for an anonymous caller (the command line, benchmarks).
    pub async fn render(&self, url: &PageUrl, options: &RenderOptions) -> Result<RenderedPdf, RenderError> {
        self.render_for("", url, options).await
    }

    /// Renders on behalf of `owner` (a user id). A tab only ever goes from one owner to another
    /// through a reset that clears its cookies, storage and request settings.
    pub async fn render_for(
        &self,
        owner: &str,
        url: &PageUrl,
        options: &RenderOptions,
    ) -> Result<RenderedPdf, RenderError> {
        let started = Instant::now();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = permit.map_err(|_| RenderError::Internal("engine closed".into()))?;
        // Refuse a forbidden page before touching the browser: the clearest error, and no
        // request leaves at all.
        self.config
            .guard
            .resolve(&url.host().to_string(), url.port())
            .await
            .map_err(|e| RenderError::from_guard(url.as_str(), e))?;

        let handle = self.browser().await?;
        handle.jobs_started.fetch_add(1, Ordering::Relaxed);
        let mut slot = match handle.take_idle_slot(owner, self.config.concurrency) {
            Some(slot) => slot,
            None => self.new_slot(&handle, owner).await?,
        };
        if slot.carries_job_cookies {
            let reset =
                tokio::time::timeout(HOUSEKEEPING_TIMEOUT, reset_slot(&handle.browser, &mut slot)).await;
            if !matches!(reset, Ok(Ok(()))) {
                tokio::spawn(close_slot(handle.clone(), slot));
                return Err(handle.failure("could not reset a tab".to_owned()));
            }
        }
        slot.carries_job_cookies = !options.cookies.is_empty();
        let network = match NetworkLog::start(&slot.page).await {
            Ok(log) => log,
            Err(e) => {
                tokio::spawn(close_slot(handle.clone(), slot));
                return Err(handle.failure(format!("could not watch the tab's requests: {e}")));
            }
        };
        let remaining = self.config.timeout.saturating_sub(started.elapsed());
        let kills_before = handle.memory_kills.count();
        let mut crashed = match slot.page.event_listener::<EventTargetCrashed>().await {
            Ok(events) => events,
            Err(e) => {
                tokio::spawn(close_slot(handle.clone(), slot));
                return Err(handle.failure(format!("could not watch the tab: {e}")));
            }
        };
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(remaining, print(&mut slot, &handle.user_agent, url, options, remaining, self.config.max_pdf_bytes)) => match outcome {
                Ok(result) => result,
                Err(_) => Err(RenderError::Timeout(self.config.timeout)),
            },
            () = handle.wait_until_dead() => Err(RenderError::BrowserCrashed("the browser exited during the render".into())),
            Some(_) = crashed.next() => Err(RenderError::BrowserCrashed("the page's renderer crashed".into())),
        };
        let outcome = outcome.map_err(|e| {
            if handle.memory_kills.count() > kills_before {
                RenderError::TooMuchMemory {
                    limit_mib: self.config.max_page_memory >> 20,
                }
            } else {
                e
            }
        });
        let refusals = network.refusals(&slot.context.proxy);
        let outcome = outcome.map_err(|e| {
            if handle.dead.load(Ordering::Relaxed) {
                RenderError::BrowserCrashed(format!("the browser exited during the render ({e})"))
            } else {
                e
            }
        });
        slot.jobs += 1;
        if outcome.is_ok() && slot.jobs < SLOT_JOBS && refusals.is_empty() {
            // The finished page leaves the tab (for `about:blank`) before the tab is parked, so
            // its timers, workers and sockets stop with the job. When another job is already
            // waiting for a tab it takes this one at once, and its navigation replaces the page;
            // should the tab stay idle after all, the page leaves a moment later.
            if self.waiting.load(Ordering::Relaxed) > 0 {
                let id = slot.id;
                handle.put_idle_slot(slot);
                drop(permit);
                tokio::spawn(leave_page_if_still_idle(handle.clone(), id));
            } else {
                tokio::spawn(park_slot(handle.clone(), slot, Some(permit)));
            }
        } else {
            // A tab that failed, saw a refusal or is worn out is closed, not reused.
            tokio::spawn(close_slot(handle.clone(), slot));
            drop(permit);
        }

        // A refused request fails the render even if Chromium printed something: the page
        // tried to reach an address it may not, and the user should know why parts are missing.
        if let Some(refusal) = refusals.into_iter().next() {
            return Err(RenderError::Blocked {
                url: refusal.url,
                reason: refusal.reason,
            });
        }
        let mut rendered = outcome?;
        if let Some(status) = rendered.status {
            if status >= 400 && !options.accept_error_status {
                return Err(RenderError::TargetStatus {
                    status,
                    url: rendered.final_url,
                });
            }
        }
        rendered.render_ms = started.elapsed().as_millis() as u64;
        Ok(rendered)
    }

    /// The current browser, launching or relaunching it when there is none, it died, or it has
    /// served its quota of jobs.
    async fn browser(&self) -> Result<Arc<BrowserHandle>, RenderError> {
        let mut current = self.current.lock().await;
        if let Some(handle) = current.as_ref() {
            let dead = handle.dead.load(Ordering::Relaxed);
            let worn = handle.jobs_started.load(Ordering::Relaxed) >= self.config.recycle_after;
            if !dead && !worn {
                return Ok(handle.clone());
            }
            if dead {
                tracing::warn!(generation = handle.generation, "browser died; relaunching");
            } else {
                tracing::info!(
                    generation = handle.generation,
                    "recycling the browser after its job quota"
                );
            }
        }
        // In-flight jobs keep the old handle alive through their Arc; it is killed when they end.
        *current = None;
        let handle = Arc::new(self.launch().await?);
        *current = Some(handle.clone());
        Ok(handle)
    }

    async fn launch(&self) -> Result<BrowserHandle, RenderError> {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let profile = tempfile::Builder::new()
            .prefix("folio-chromium-")
            .tempdir_in(self.config.launch_mode.scratch_root())
            .map_err(|e| RenderError::BrowserUnavailable(format!("no profile directory: {e}")))?;
        let peers = AllowedPeers::process_tree();
        let default_proxy = GuardProxy::start(self.config.guard.clone(), peers.clone())
            .await
            .map_err(|e| RenderError::Internal(format!("could not start the guard proxy: {e}")))?;
        let mode = self.config.launch_mode;
        let mut builder = BrowserConfig::builder()
            .chrome_executable(&self.config.executable)
            .user_data_dir(profile.path())
            .no_sandbox()
            .window_size(1280, 720)
            .viewport(None)
            // chromiumoxide's defaults run the network service inside the browser process;
            // the switches in `flags` replace them with the usual out-of-process setup.
            .disable_default_args()
            .launch_timeout(Duration::from_secs(30))
            .request_timeout(self.config.timeout + HOUSEKEEPING_TIMEOUT)
            .envs(flags::environment(mode, profile.path()));
        let agent = self
            .user_agent
            .get_or_init(|| headful_user_agent(&self.config.executable))
            .await;
        for switch in flags::switches(mode, &default_proxy.url(), profile.path(), agent.as_deref()) {
            builder = match flags::builder_arg(&switch) {
                (name, Some(value)) => builder.arg((name.as_str(), value.as_str())),
                (name, None) => builder.arg(name),
            };
        }
        let config = builder.build().map_err(RenderError::BrowserUnavailable)?;
        let (mut browser, mut handler) = Browser::launch(config).await.map_err(|e| {
            RenderError::BrowserUnavailable(format!(
                "could not start Chromium at {}: {e}",
                self.config.executable.display()
            ))
        })?;
        let pid = browser.get_mut_child().and_then(|child| child.inner.id());
        let dead = Arc::new(AtomicBool::new(false));
        let (died_tx, died) = tokio::sync::watch::channel(false);
        let handler_dead = dead.clone();
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    if matches!(e, chromiumoxide::error::CdpError::Ws(_)) {
                        tracing::warn!(generation, error = %e, "lost the DevTools connection");
                        break;
                    }
                    tracing::debug!(error = %e, "devtools handler error");
                }
            }
            handler_dead.store(true, Ordering::Relaxed);
            let _ = died_tx.send(true);
        });
        let user_agent = match browser.user_agent().await {
            Ok(agent) => agent.replace("HeadlessChrome", "Chrome"),
            Err(e) => {
                let _ = browser.kill().await;
                return Err(RenderError::BrowserUnavailable(format!(
                    "Chromium did not answer: {e}"
                )));
            }
        };
        let memory_kills = Arc::new(memory::MemoryKills::default());
        if let Some(pid) = pid {
            peers.set_root(pid);
            memory::watch(pid, self.config.max_page_memory, memory_kills.clone());
        }
        tracing::info!(generation, pid, "chromium launched");
        Ok(BrowserHandle {
            browser,
            generation,
            pid,
            jobs_started: AtomicU64::new(0),
            user_agent,
            dead,
            died,
            idle_slots: Mutex::new(Vec::new()),
            memory_kills,
            peers,
            contexts: AsyncMutex::new(HashMap::new()),
            _default_proxy: default_proxy,
            _profile: profile,
            handler,
        })
    }

    async fn new_slot(&self, handle: &Arc<BrowserHandle>, owner: &str) -> Result<Slot, RenderError> {
        let create = async {
            let context = handle.context_for(owner, &self.config.guard).await?;
            let target = CreateTargetParams::builder()
                .url("about:blank")
                .browser_context_id(context.id.clone())
                .build()
                .map_err(chromiumoxide::error::CdpError::msg)?;
            let page = handle.browser.new_page(target).await?;
            // chromiumoxide asks for the tab's workers to wait for a debugger it does not
            // always release: a page's service worker then never starts, and its
            // `register()` never settles. They start on their own instead.
            page.execute(
                SetAutoAttachParams::builder()
                    .auto_attach(true)
                    .wait_for_debugger_on_start(false)
                    .flatten(true)
                    .build()
                    .map_err(chromiumoxide::error::CdpError::msg)?,
            )
            .await?;
            Ok::<_, chromiumoxide::error::CdpError>((context, page))
        };
        let created = tokio::select! {
            created = tokio::time::timeout(HOUSEKEEPING_TIMEOUT, create) => created,
            () = handle.wait_until_dead() => return Err(handle.failure("the browser exited".to_owned())),
        };
        match created {
            Ok(Ok((context, page))) => Ok(Slot {
                id: NEXT_SLOT_ID.fetch_add(1, Ordering::Relaxed),
                context,
                owner: owner.to_owned(),
                page,
                jobs: 0,
                carries_job_cookies: false,
                applied: Applied::default(),
            }),
            Ok(Err(e)) => Err(handle.failure(format!("could not open a tab: {e}"))),
            Err(_) => Err(handle.failure("opening a tab timed out".to_owned())),
        }
    }
}

impl BrowserHandle {
    async fn wait_until_dead(&self) {
        let mut died = self.died.clone();
        if died.wait_for(|dead| *dead).await.is_err() {
            // The handler task is gone without saying so: treat it as dead too.
        }
    }

    fn idle_slots(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        self.idle_slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn put_idle_slot(&self, slot: Slot) {
        self.idle_slots().push(slot);
    }

    /// That very tab, if it is still idle.
    fn take_idle_slot_by_id(&self, id: u64) -> Option<Slot> {
        let mut idle = self.idle_slots();
        idle.iter().position(|slot| slot.id == id).map(|i| idle.remove(i))
    }

    /// An idle tab of `owner`'s. Idle tabs of other owners beyond `keep` are closed, oldest
    /// first, so that tabs follow the users who are active.
    fn take_idle_slot(self: &Arc<Self>, owner: &str, keep: usize) -> Option<Slot> {
        let mut idle = self.idle_slots();
        let mine = idle
            .iter()
            .rposition(|slot| slot.owner == owner)
            .map(|i| idle.remove(i));
        while idle.len() > keep {
            let oldest = idle.remove(0);
            tokio::spawn(close_slot(self.clone(), oldest));
        }
        mine
    }

    /// The owner's browser context, created with its own guard proxy on first use.
    async fn context_for(
        &self,
        owner: &str,
        guard: &Guard,
    ) -> Result<Arc<OwnerContext>, chromiumoxide::error::CdpError> {
        let mut contexts = self.contexts.lock().await;
        if let Some(context) = contexts.get(owner) {
            return Ok(context.clone());
        }
        let proxy = GuardProxy::start(guard.clone(), self.peers.clone())
            .await
            .map_err(|e| {
                chromiumoxide::error::CdpError::msg(format!("could not start the guard proxy: {e}"))
            })?;
        let id = self
            .browser
            .create_browser_context(
                CreateBrowserContextParams::builder()
                    .proxy_server(proxy.url())
                    .proxy_bypass_list("<-loopback>")
                    .build(),
            )
            .await?;
        let context = Arc::new(OwnerContext { id, proxy });
        contexts.insert(owner.to_owned(), context.clone());
        Ok(context)
    }

    /// Classifies a failure to use the browser: if its connection is gone it is a crash.
    fn failure(&self, message: String) -> RenderError {
        if self.dead.load(Ordering::Relaxed) {
            RenderError::BrowserCrashed(message)
        } else {
            RenderError::BrowserUnavailable(message)
        }
    }
}

/// Takes a finished page out of its tab (to `about:blank`), then returns the tab to the idle
/// pool and lets the next job have a tab; a tab that cannot leave its page in time is closed.
async fn park_slot(
    handle: Arc<BrowserHandle>,
    slot: Slot,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) {
    let blank = tokio::time::timeout(HOUSEKEEPING_TIMEOUT, slot.page.goto("about:blank")).await;
    if matches!(blank, Ok(Ok(_))) {
        handle.put_idle_slot(slot);
    } else {
        close_slot(handle, slot).await;
    }
    drop(permit);
}

/// For a tab handed straight back for a waiting job: if it is still idle after
/// [`IDLE_PAGE_GRACE`] (that job took another tab), its page leaves now.
async fn leave_page_if_still_idle(handle: Arc<BrowserHandle>, id: u64) {
    tokio::time::sleep(IDLE_PAGE_GRACE).await;
    if let Some(slot) = handle.take_idle_slot_by_id(id) {
        park_slot(handle, slot, None).await;
    }
}

/// Closes a tab and its context in the background; a browser that cannot do so in time is
/// wedged and gets relaunched.
async fn close_slot(handle: Arc<BrowserHandle>, slot: Slot) {
    if handle.dead.load(Ordering::Relaxed) {
        return;
    }
    let Slot {
        context, owner, page, ..
    } = slot;
    let closing = async {
        let _ = page.close().await;
        let mut contexts = handle.contexts.lock().await;
        // The map and this tab are the only holders: no other tab of the owner is open.
        if Arc::strong_count(&context) == 2 && contexts.get(&owner).is_some_and(|c| Arc::ptr_eq(c, &context))
        {
            contexts.remove(&owner);
            drop(contexts);
            let _ = handle.browser.dispose_browser_context(context.id.clone()).await;
        }
    };
    if tokio::time::timeout(HOUSEKEEPING_TIMEOUT, closing).await.is_err() {
        tracing::warn!(
            generation = handle.generation,
            "browser stopped answering; it will be relaunched"
        );
        handle.dead.store(true, Ordering::Relaxed);
    }
}

/// Cookies passed with a job belong to that job alone: they are cleared before the owner's
/// next job, with any extra headers.
async fn reset_slot(browser: &Browser, slot: &mut Slot) -> Result<(), chromiumoxide::error::CdpError> {
    browser
        .execute(
            ClearCookiesParams::builder()
                .browser_context_id(slot.context.id.clone())
                .build(),
        )
        .await?;
    if !slot.applied.headers.is_empty() {
        slot.page
            .execute(SetExtraHttpHeadersParams::new(Headers::new(
                serde_json::json!({}),
            )))
            .await?;
        slot.applied.headers.clear();
    }
    slot.carries_job_cookies = false;
    Ok(())
}

/// A tab's own view of its requests, to tell which refusals of the shared proxy were its own.
struct NetworkLog {
    requests: chromiumoxide::listeners::EventStream<EventRequestWillBeSent>,
    failures: chromiumoxide::listeners::EventStream<EventLoadingFailed>,
    responses: chromiumoxide::listeners::EventStream<EventResponseReceived>,
    sockets: chromiumoxide::listeners::EventStream<EventWebSocketCreated>,
}

impl NetworkLog {
    async fn start(page: &Page) -> Result<Self, chromiumoxide::error::CdpError> {
        Ok(Self {
            requests: page.event_listener::<EventRequestWillBeSent>().await?,
            failures: page.event_listener::<EventLoadingFailed>().await?,
            responses: page.event_listener::<EventResponseReceived>().await?,
            sockets: page.event_listener::<EventWebSocketCreated>().await?,
        })
    }

    /// Requests of this tab that the proxy refused: plain HTTP ones carry the proxy's marker
    /// header; tunnelled HTTPS ones fail to connect and are matched to the proxy's record by
    /// host and port. A WebSocket's failed handshake leaves no network event, so every socket
    /// the tab opened is matched the same way (the proxy is this user's alone).
    fn refusals(mut self, proxy: &GuardProxy) -> Vec<crate::proxy::Refusal> {
        use futures::FutureExt;
        let mut urls = HashMap::new();
        while let Some(Some(event)) = self.requests.next().now_or_never() {
            urls.insert(event.request_id.clone(), event.request.url.clone());
        }
        let mut refused = Vec::new();
        while let Some(Some(event)) = self.responses.next().now_or_never() {
            if header(&event.response.headers, crate::proxy::GUARD_HEADER) == Some("refused") {
                if let Some(refusal) = proxy.refusal_for(&event.response.url) {
                    refused.push(refusal);
                }
            }
        }
        while let Some(Some(event)) = self.failures.next().now_or_never() {
            if event.error_text.contains("ERR_TUNNEL_CONNECTION_FAILED") {
                if let Some(refusal) = urls.get(&event.request_id).and_then(|url| proxy.refusal_for(url)) {
                    refused.push(refusal);
                }
            }
        }
        while let Some(Some(event)) = self.sockets.next().now_or_never() {
            if let Some(refusal) = proxy.refusal_for(&event.url) {
                refused.push(refusal);
            }
        }
        refused
    }
}

/// Navigates, waits as asked and prints. Runs inside the job's timeout.
async fn print(
    slot: &mut Slot,
    default_user_agent: &str,
    url: &PageUrl,
    options: &RenderOptions,
    budget: Duration,
    max_pdf_bytes: u64,
) -> Result<RenderedPdf, RenderError> {
    let page = &slot.page.clone();
    let cdp = |e: chromiumoxide::error::CdpError| RenderError::from_cdp(e);
    let t0 = Instant::now();
    let user_agent = options.user_agent.as_deref().unwrap_or(default_user_agent);
    if slot.applied.user_agent != user_agent {
        page.execute(SetUserAgentOverrideParams::new(user_agent))
            .await
            .map_err(cdp)?;
        slot.applied.user_agent = user_agent.to_owned();
    }
    if slot.applied.headers != options.headers {
        page.execute(SetExtraHttpHeadersParams::new(Headers::new(
            serde_json::to_value(&options.headers).unwrap_or_default(),
        )))
        .await
        .map_err(cdp)?;
        slot.applied.headers = options.headers.clone();
    }
    if !options.cookies.is_empty() {
        let cookies = options
            .cookies
            .iter()
            .map(|cookie| {
                let mut param = CookieParam::new(cookie.name.clone(), cookie.value.clone());
                match &cookie.domain {
                    Some(domain) => param.domain = Some(domain.clone()),
                    None => param.url = Some(url.as_str().to_owned()),
                }
                param.path = cookie.path.clone();
                param
            })
            .collect();
        // Network.setCookies directly: chromiumoxide's helper refuses while the tab is blank.
        page.execute(SetCookiesParams::new(cookies))
            .await
            .map_err(|e| refused_options(e, |_| "options.cookies"))?;
    }
    if slot.applied.media != Some(options.media) {
        let media = match options.media {
            MediaType::Print => "print",
            MediaType::Screen => "screen",
        };
        page.execute(SetEmulatedMediaParams::builder().media(media).build())
            .await
            .map_err(cdp)?;
        slot.applied.media = Some(options.media);
    }

    let lifecycle = if options.wait_until == WaitUntil::NetworkIdle {
        Some(page.event_listener::<EventLifecycleEvent>().await.map_err(cdp)?)
    } else {
        None
    };
    let t_setup = t0.elapsed();
    let navigation = page
        .http_future(NavigateParams::new(url.as_str()))
        .map_err(cdp)?
        .await
        .map_err(cdp)?;
    let status = navigation
        .as_ref()
        .and_then(|request| request.response.as_ref())
        .map(|response| response.status as u16);
    let unreachable = |reason: String| RenderError::Unreachable(format!("{}: {reason}", url.as_str()));
    if let Some(failure) = navigation
        .as_ref()
        .and_then(|request| request.failure_text.as_deref())
    {
        return Err(unreachable(describe_net_error(failure)));
    }
    // The guard proxy could not reach the site: its stand-in response is nobody's answer.
    if let Some(reason) = navigation
        .as_ref()
        .and_then(|request| request.response.as_ref())
        .and_then(|response| proxy_unreachable_reason(&response.headers))
    {
        return Err(unreachable(reason));
    }
    // Chromium shows its own error page for a navigation it could not make (a port it will not
    // use, for one); that page is not the user's.
    let frames = page.execute(GetFrameTreeParams::default()).await.map_err(cdp)?;
    if frames.result.frame_tree.frame.unreachable_url.is_some() {
        let code: Option<String> = page
            .evaluate(NET_ERROR_CODE_JS)
            .await
            .ok()
            .and_then(|value| value.into_value().ok());
        return Err(unreachable(describe_net_error(
            code.as_deref().unwrap_or("the page could not be loaded"),
        )));
    }
    if let Some(mut events) = lifecycle {
        let main_frame = page.mainframe().await.map_err(cdp)?;
        let idle = async {
            while let Some(event) = events.next().await {
                if event.name == "networkIdle"
                    && main_frame.as_ref().is_none_or(|frame| *frame == event.frame_id)
                {
                    return;
                }
            }
            // The stream ended (tab gone): fall back to a short quiet period.
            tokio::time::sleep(NETWORK_IDLE_FALLBACK).await;
        };
        idle.await;
    }
    if options.lazy_scroll {
        page.evaluate(
            EvaluateParams::builder()
                .expression(LAZY_SCROLL_JS)
                .await_promise(true)
                .build()
                .map_err(RenderError::Internal)?,
        )
        .await
        .map_err(cdp)?;
    }
    if let Some(selector) = &options.wait_for_selector {
        wait_for_selector(page, selector, t0 + budget.saturating_sub(SELECTOR_MARGIN)).await?;
    }
    if options.wait_delay_ms > 0 {
        let delay = Duration::from_millis(options.wait_delay_ms).min(budget);
        tokio::time::sleep(delay).await;
    }

    let t_nav = t0.elapsed();
    let bytes = print_pdf(page, options, max_pdf_bytes).await?;
    let t_pdf = t0.elapsed();
    // The browser's own view of the tab: a page's script can redefine `document.title`, not this.
    let target = page
        .execute(
            GetTargetInfoParams::builder()
                .target_id(page.target_id().clone())
                .build(),
        )
        .await
        .map_err(cdp)?
        .result
        .target_info;
    let final_url = Some(target.url)
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| url.as_str().to_owned());
    // Chromium shows a page without a title by its address: that is no title.
    let title = Some(target.title.trim())
        .filter(|t| !t.is_empty() && !final_url.ends_with(*t) && !url.as_str().ends_with(*t))
        .map(|t| clip(t, MAX_NAME_CHARS));
    let t_meta = t0.elapsed();
    let pages = pdf::page_count(&bytes)
        .map_err(|e| RenderError::Internal(format!("Chromium wrote an unreadable PDF: {e}")))?;
    tracing::debug!(
        setup_ms = t_setup.as_millis() as u64,
        navigate_ms = (t_nav - t_setup).as_millis() as u64,
        print_ms = (t_pdf - t_nav).as_millis() as u64,
        metadata_ms = (t_meta - t_pdf).as_millis() as u64,
        count_ms = (t0.elapsed() - t_meta).as_millis() as u64,
        "render stages"
    );
    Ok(RenderedPdf {
        size_bytes: bytes.len() as u64,
        bytes,
        title,
        final_url,
        status,
        pages,
        render_ms: 0,
        engine: Engine::Chromium,
    })
}

/// Scrolls a viewport at a time so `loading="lazy"` images and scroll-triggered content load,
/// then waits (bounded) for the images that started loading, and returns to the top.
const LAZY_SCROLL_JS: &str = r#"(async () => {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const step = Math.max(200, Math.floor(window.innerHeight * 0.8));
  for (let y = 0, rounds = 0; y < document.documentElement.scrollHeight && rounds < 200; y += step, rounds++) {
    window.scrollTo(0, y);
    await pause(60);
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
  await pause(60);
  const pending = Array.from(document.images).filter((img) => !img.complete);
  await Promise.race([
    Promise.all(pending.map((img) => new Promise((resolve) => { img.addEventListener('load', resolve, { once: true }); img.addEventListener('error', resolve, { once: true }); }))),
    pause(5000),
  ]);
  window.scrollTo(0, 0);
  return true;
})()"#;

/// How long before the job's deadline the wait for a selector gives up, so that its failure
/// names the selector rather than the timeout.
const SELECTOR_MARGIN: Duration = Duration::from_millis(300);

/// Waits until `selector` matches in the page, or fails naming it at `deadline`. A selector the
/// browser cannot parse fails at once: it would never match.
async fn wait_for_selector(page: &Page, selector: &str, deadline: Instant) -> Result<(), RenderError> {
    let probe = format!(
        "(() => {{ try {{ return document.querySelector({}) !== null; }} catch (e) {{ return 'invalid'; }} }})()",
        serde_json::to_string(selector).unwrap_or_default()
    );
    let started = Instant::now();
    loop {
        let answer: serde_json::Value = page
            .evaluate(probe.as_str())
            .await
            .map_err(RenderError::from_cdp)?
            .into_value()
            .unwrap_or_default();
        match answer {
            serde_json::Value::Bool(true) => return Ok(()),
            serde_json::Value::String(_) => {
                return Err(RenderError::InvalidOptions {
                    field: "options.wait_for_selector",
                    reason: format!("{selector:?} is not a valid CSS selector"),
                })
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            return Err(RenderError::SelectorNotFound {
                selector: selector.to_owned(),
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Chromium refused a command because of what the job asked for (a page range past the last
/// page, a cookie it will not set): the same job would be refused again, so it is not retried.
/// `field` names the option from Chromium's message.
fn refused_options(
    error: chromiumoxide::error::CdpError,
    field: impl FnOnce(&str) -> &'static str,
) -> RenderError {
    match error {
        chromiumoxide::error::CdpError::Chrome(error) => RenderError::InvalidOptions {
            field: field(&error.message),
            reason: error.message,
        },
        other => RenderError::from_cdp(other),
    }
}

/// The error code Chromium's own error page shows (its `loadTimeData` carries it).
const NET_ERROR_CODE_JS: &str = r#"(() => {
  const found = document.documentElement.outerHTML.match(/"errorCode":\s*"(ERR_[A-Z_0-9]+)"/)
    || (document.querySelector(".error-code") || {}).textContent?.match(/ERR_[A-Z_0-9]+/);
  return found ? found[found.length - 1] : null;
})()"#;

/// A network error code (`net::ERR_CONNECTION_REFUSED`) as a person would say it.
fn describe_net_error(error: &str) -> String {
    let code = error.trim().trim_start_matches("net::");
    let reason = match code {
        "ERR_CONNECTION_REFUSED" => "connection refused",
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" => "name not resolved",
        "ERR_UNSAFE_PORT" => "port not allowed",
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" => "connection timed out",
        "ERR_CONNECTION_RESET" | "ERR_CONNECTION_CLOSED" => "the connection was closed",
        "ERR_EMPTY_RESPONSE" => "the server sent nothing",
        "ERR_ADDRESS_UNREACHABLE" | "ERR_INTERNET_DISCONNECTED" => "address unreachable",
        "ERR_TOO_MANY_REDIRECTS" => "too many redirects",
        "ERR_TUNNEL_CONNECTION_FAILED" => "could not connect",
        "ERR_INVALID_URL" => "invalid address",
        "ERR_BLOCKED_BY_CLIENT" | "ERR_BLOCKED_BY_RESPONSE" => "blocked",
        code if code.starts_with("ERR_CERT_") => "the site's certificate is not valid",
        code if code.starts_with("ERR_SSL_") => "the secure connection failed",
        _ => return code.to_owned(),
    };
    if code.starts_with("ERR_") {
        format!("{reason} ({code})")
    } else {
        reason.to_owned()
    }
}

/// A response header's value, by case-insensitive name.
fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .inner()
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_str())
}

/// The reason the guard proxy gave in place of a response it could not get.
fn proxy_unreachable_reason(headers: &Headers) -> Option<String> {
    if header(headers, crate::proxy::GUARD_HEADER) != Some("unreachable") {
        return None;
    }
    let reason = header(headers, crate::proxy::UNREACHABLE_HEADER).unwrap_or("could not connect");
    Some(reason.to_owned())
}

/// Prints the page and reads the PDF as a stream, a chunk at a time, stopping as soon as it
/// passes `max_bytes`: a page that prints gigabytes never has them all in memory (a plain
/// `printToPDF` answers with the whole file, base64-encoded, in one message).
async fn print_pdf(page: &Page, options: &RenderOptions, max_bytes: u64) -> Result<Vec<u8>, RenderError> {
    use base64::Engine as _;
    use chromiumoxide::cdp::browser_protocol::io::{CloseParams, ReadParams};
    const CHUNK: i64 = 1 << 20;
    let mut params = print_params(options);
    params.transfer_mode = Some(PrintToPdfTransferMode::ReturnAsStream);
    let printed = page.execute(params).await.map_err(|e| {
        refused_options(e, |message| {
            if message.to_ascii_lowercase().contains("page range") {
                "options.page_ranges"
            } else {
                "options"
            }
        })
    })?;
    let Some(stream) = printed.result.stream.clone() else {
        return Err(RenderError::Internal("Chromium printed no PDF stream".to_owned()));
    };
    let mut pdf = Vec::new();
    let read = async {
        loop {
            let mut read = ReadParams::new(stream.clone());
            read.size = Some(CHUNK);
            let chunk = page.execute(read).await.map_err(RenderError::from_cdp)?.result;
            if chunk.base64_encoded == Some(true) {
                base64::engine::general_purpose::STANDARD
                    .decode_vec(chunk.data.as_bytes(), &mut pdf)
                    .map_err(|e| RenderError::Internal(format!("Chromium sent a garbled PDF: {e}")))?;
            } else {
                pdf.extend_from_slice(chunk.data.as_bytes());
            }
            if pdf.len() as u64 > max_bytes {
                return Err(RenderError::TooLarge { limit: max_bytes });
            }
            if chunk.eof {
                return Ok(());
            }
        }
    };
    let outcome = read.await;
    // Closing frees Chromium's copy; a failure here changes nothing for the job.
    let _ = page.execute(CloseParams::new(stream)).await;
    outcome.map(|()| pdf)
}

fn print_params(options: &RenderOptions) -> PrintToPdfParams {
    let (width, height) = options.paper_size_inches();
    let has_templates = options.header_template.is_some() || options.footer_template.is_some();
    let mut params = PrintToPdfParams::builder()
        .landscape(options.landscape)
        .print_background(options.print_background)
        .scale(options.scale)
        .paper_width(width)
        .paper_height(height)
        .margin_top(options.margin.top.inches())
        .margin_right(options.margin.right.inches())
        .margin_bottom(options.margin.bottom.inches())
        .margin_left(options.margin.left.inches())
        .prefer_css_page_size(options.prefer_css_page_size)
        .display_header_footer(has_templates)
        // Left to Chromium, headless builds tag the PDF for accessibility, which makes printing
        // markedly slower; Playwright also turns it off unless asked.
        .generate_tagged_pdf(false)
        .generate_document_outline(false)
        .build();
    if let Some(ranges) = &options.page_ranges {
        params.page_ranges = Some(ranges.clone());
    }
    if has_templates {
        // An absent template prints Chromium's default (date, title, URL); an empty span prints
        // nothing, which is what someone who set only one of the two means.
        params.header_template = Some(
            options
                .header_template
                .clone()
                .unwrap_or_else(|| "<span></span>".into()),
        );
        params.footer_template = Some(
            options
                .footer_template
                .clone()
                .unwrap_or_else(|| "<span></span>".into()),
        );
    }
    params
}
