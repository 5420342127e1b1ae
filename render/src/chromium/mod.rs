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
use folio_core::render::{MediaType, Output, WaitUntil};
use folio_core::{Engine, PageUrl, RenderOptions, Warning};
use futures::StreamExt;
use tokio::sync::{Mutex as AsyncMutex, Semaphore};

mod browser;
mod clean;
mod document;
mod flags;
mod inspect;
mod memory;
mod network;
mod print;
mod screenshot;
mod tabs;
mod wait;

use browser::*;
use network::*;
use print::*;
use tabs::*;
use wait::*;

pub use flags::LaunchMode;
pub use inspect::near_uniform;

use crate::guard::Guard;
use crate::peer::AllowedPeers;
use crate::proxy::GuardProxy;
use crate::{pdf, Owner, RenderError, RenderedPdf};

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

/// A job that will ask for a tab soon (claimed, waiting for its turn): while one is held, a
/// tab whose page is done is handed on instead of parked on `about:blank`.
pub struct TabWanted(Arc<ChromiumEngine>);

impl Drop for TabWanted {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ChromiumEngine {
    /// Says a job will ask for a tab soon, until the returned guard is dropped.
    pub fn tab_wanted(self: &Arc<Self>) -> TabWanted {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        TabWanted(self.clone())
    }

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

    /// Renders for an anonymous caller (the command line, benchmarks).
    pub async fn render(&self, url: &PageUrl, options: &RenderOptions) -> Result<RenderedPdf, RenderError> {
        self.render_for(Owner::Anonymous, url, options).await
    }

    /// Renders on behalf of `owner`. A tab only ever goes from one owner to another through a
    /// reset that clears its cookies, storage and request settings.
    pub async fn render_for(
        &self,
        owner: Owner,
        url: &PageUrl,
        options: &RenderOptions,
    ) -> Result<RenderedPdf, RenderError> {
        self.render_document_for(owner, url, None, options).await
    }

    /// Renders `document` (uploaded HTML) as the page at `url` when given, else the page
    /// `url` serves. Either way the page's every other request goes through the guard.
    pub async fn render_document_for(
        &self,
        owner: Owner,
        url: &PageUrl,
        document: Option<&str>,
        options: &RenderOptions,
    ) -> Result<RenderedPdf, RenderError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let permit = permit.map_err(|_| RenderError::Internal("engine closed".into()))?;
        // The page's time runs from here: a job waiting for a tab (the worker claims the next
        // ones while tabs are busy) keeps its whole budget for its own page.
        let started = Instant::now();
        // Refuse a forbidden page before touching the browser: the clearest error, and no
        // request leaves at all. (An uploaded document's address is never asked for.)
        if document.is_none() {
            self.config
                .guard
                .resolve(&url.host().to_string(), url.port())
                .await
                .map_err(|e| RenderError::from_guard(url.as_str(), e))?;
        }

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
            outcome = tokio::time::timeout(remaining, print(&mut slot, &handle.user_agent, url, document, options, remaining, self.config.max_pdf_bytes)) => match outcome {
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
        // An upload is printed without what was refused, and says so: it is the user's own
        // copy of a page (a saved page often still points at the machine it was saved on).
        let blocked = !refusals.is_empty();
        if let Some(refusal) = refusals.into_iter().next() {
            if document.is_none() {
                return Err(RenderError::Blocked {
                    url: refusal.url,
                    reason: refusal.reason,
                });
            }
            tracing::info!(url = %refusal.url, reason = %refusal.reason, "an upload's request was refused");
        }
        let mut rendered = match outcome? {
            Printed::Page(rendered) => rendered,
            Printed::ServedPdf if options.output == Output::Png => {
                return Err(RenderError::InvalidOptions {
                    field: "options.output",
                    reason: format!(
                        "{} serves a PDF, which Folio keeps as served: ask for output pdf",
                        url.as_str()
                    ),
                })
            }
            Printed::ServedPdf => {
                let remaining = self.config.timeout.saturating_sub(started.elapsed());
                // Whatever type the second answer declares, it is checked to be a PDF.
                let bounds = crate::fetch::Bounds {
                    page_bytes: usize::try_from(self.config.max_pdf_bytes).unwrap_or(usize::MAX),
                    pdf_bytes: self.config.max_pdf_bytes,
                };
                let fetched = tokio::time::timeout(
                    remaining,
                    crate::fetch::fetch(&self.config.guard, url, options, "application/pdf", bounds),
                )
                .await
                .map_err(|_| RenderError::Timeout(self.config.timeout))??
                .refuse_error_status(options)?;
                crate::served_pdf::keep(fetched, started, Engine::Chromium).await?
            }
        };
        if let Some(status) = rendered.status {
            if status >= 400 && !options.accept_error_status {
                return Err(RenderError::TargetStatus {
                    status,
                    url: rendered.final_url,
                });
            }
        }
        if blocked {
            rendered.warnings.push(Warning::Blocked);
            rendered.warnings.sort();
        }
        rendered.render_ms = started.elapsed().as_millis() as u64;
        Ok(rendered)
    }
}
