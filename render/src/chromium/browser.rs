//! The browser process: launching Chromium with the switches it needs, watching it, and
//! relaunching it when it dies or has served its jobs.

use super::*;

/// What Chromium would call itself were it not headless, from its `--version`; `None` (and
/// Chromium's own agent, with `HeadlessChrome` replaced per tab) when that cannot be read.
pub(super) async fn headful_user_agent(executable: &std::path::Path) -> Option<String> {
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

pub(super) struct BrowserHandle {
    pub(super) browser: Browser,
    pub(super) generation: u64,
    pub(super) pid: Option<u32>,
    pub(super) jobs_started: AtomicU64,
    pub(super) dead: Arc<AtomicBool>,
    /// Chromium's own user agent without the "HeadlessChrome" token, which some sites refuse.
    pub(super) user_agent: String,
    /// Flips to true when the DevTools connection ends, so in-flight jobs fail at once instead
    /// of waiting out their timeout on commands that will never be answered.
    pub(super) died: tokio::sync::watch::Receiver<bool>,
    pub(super) idle_slots: Mutex<Vec<Slot>>,
    pub(super) memory_kills: Arc<memory::MemoryKills>,
    /// Chromium's processes: the only clients its guard proxies serve.
    pub(super) peers: AllowedPeers,
    /// One browser context per owner with tabs open, shared by that owner's tabs.
    pub(super) contexts: AsyncMutex<HashMap<Owner, Arc<OwnerContext>>>,
    /// Guards the default context, which no job uses but which must not be an open door either.
    pub(super) _default_proxy: GuardProxy,
    pub(super) _profile: tempfile::TempDir,
    pub(super) handler: tokio::task::JoinHandle<()>,
}

impl Drop for BrowserHandle {
    fn drop(&mut self) {
        self.handler.abort();
        // `kill_on_drop` on the child ends the process; nothing async can run here.
        tracing::debug!(generation = self.generation, "browser retired");
    }
}

impl ChromiumEngine {
    /// The current browser, launching or relaunching it when there is none, it died, or it has
    /// served its quota of jobs.
    pub(super) async fn browser(&self) -> Result<Arc<BrowserHandle>, RenderError> {
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

    pub(super) async fn launch(&self) -> Result<BrowserHandle, RenderError> {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        metrics::counter!(folio_core::metrics::BROWSER_LAUNCHES).increment(1);
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
}

impl BrowserHandle {
    pub(super) async fn wait_until_dead(&self) {
        let mut died = self.died.clone();
        if died.wait_for(|dead| *dead).await.is_err() {
            // The handler task is gone without saying so: treat it as dead too.
        }
    }

    pub(super) fn idle_slots(&self) -> std::sync::MutexGuard<'_, Vec<Slot>> {
        self.idle_slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn put_idle_slot(&self, slot: Slot) {
        self.idle_slots().push(slot);
    }

    /// That very tab, if it is still idle.
    pub(super) fn take_idle_slot_by_id(&self, id: u64) -> Option<Slot> {
        let mut idle = self.idle_slots();
        idle.iter().position(|slot| slot.id == id).map(|i| idle.remove(i))
    }

    /// An idle tab of `owner`'s. Idle tabs of other owners beyond `keep` are closed, oldest
    /// first, so that tabs follow the users who are active.
    pub(super) fn take_idle_slot(self: &Arc<Self>, owner: Owner, keep: usize) -> Option<Slot> {
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
    pub(super) async fn context_for(
        &self,
        owner: Owner,
        guard: &Guard,
    ) -> Result<Arc<OwnerContext>, chromiumoxide::error::CdpError> {
        let mut contexts = self.contexts.lock().await;
        if let Some(context) = contexts.get(&owner) {
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
        contexts.insert(owner, context.clone());
        Ok(context)
    }

    /// Classifies a failure to use the browser: if its connection is gone it is a crash.
    pub(super) fn failure(&self, message: String) -> RenderError {
        if self.dead.load(Ordering::Relaxed) {
            RenderError::BrowserCrashed(message)
        } else {
            RenderError::BrowserUnavailable(message)
        }
    }
}
