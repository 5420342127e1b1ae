//! Folio's renderers, shared by the backend (`folio serve`, `folio render`) and the worker.
//!
//! - [`chromium`]: a faithful print by headless Chromium, the default engine.
//! - [`reader`]: the page's readable text typeset with `printpdf`; no browser needed.
//! - [`guard`] and [`proxy`]: the SSRF guard every fetch of either engine goes through.
//!
//! [`Renderer`] picks the engine per request and falls back to the reader engine when Chromium
//! is not installed.

pub mod chromium;
mod fetch;
pub mod guard;
mod owner;
pub mod pdf;
pub mod peer;
pub mod procfs;
pub mod proxy;
pub mod reader;
pub mod served_pdf;
mod settings;

use std::sync::Arc;
use std::time::Duration;

use folio_core::render::Output;
use folio_core::{Engine, PageUrl, RenderOptions, Warning};

pub use chromium::{near_uniform, ChromiumConfig, ChromiumEngine, LaunchMode, TabWanted};
pub use guard::Guard;
pub use owner::Owner;
pub use reader::ReaderEngine;
pub use settings::RenderSettings;

/// A finished render.
#[derive(Clone)]
pub struct RenderedPdf {
    pub bytes: Vec<u8>,
    /// The page's `<title>`, if it has a non-empty one.
    pub title: Option<String>,
    /// Where the page ended up after redirects.
    pub final_url: String,
    /// HTTP status of the main document, when the engine saw one.
    pub status: Option<u16>,
    pub pages: u32,
    pub size_bytes: u64,
    pub render_ms: u64,
    pub engine: Engine,
    /// The page's text as the engine saw it (at most [`MAX_TEXT_BYTES`]), for search.
    pub text: String,
    /// What makes the result doubtful, sorted.
    pub warnings: Vec<Warning>,
    /// Whether printing again with stronger waits may mend a warning (an image still loading,
    /// a blank first print); a failed image or a sign-in form would come back the same.
    pub retry_advised: bool,
    /// Whether this is the second print of the page, after a first one that advised it.
    pub retried: bool,
    /// A PNG of the page's first screen, at most 400 px wide (Chromium only).
    pub thumbnail: Option<Vec<u8>>,
}

/// The most text kept of one page: a few hundred pages of prose.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// `text` cut to [`MAX_TEXT_BYTES`] at a character boundary.
pub(crate) fn clip_text(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

impl std::fmt::Debug for RenderedPdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedPdf")
            .field("title", &self.title)
            .field("final_url", &self.final_url)
            .field("status", &self.status)
            .field("pages", &self.pages)
            .field("size_bytes", &self.size_bytes)
            .field("render_ms", &self.render_ms)
            .field("engine", &self.engine)
            .field("text_bytes", &self.text.len())
            .field("warnings", &self.warnings)
            .field("retried", &self.retried)
            .field("thumbnail_bytes", &self.thumbnail.as_ref().map(Vec::len))
            .finish()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    #[error("invalid {field}: {reason}")]
    InvalidOptions { field: &'static str, reason: String },
    #[error("refused to fetch {url}: {reason}")]
    Blocked { url: String, reason: String },
    #[error("{url} answered with HTTP status {status}")]
    TargetStatus { status: u16, url: String },
    #[error("could not load the page: {0}")]
    Unreachable(String),
    /// The page is built in a way the engine refuses to follow (hostile structure).
    #[error("{0}")]
    Unreadable(String),
    #[error("the page did not finish rendering within {} seconds", .0.as_secs())]
    Timeout(Duration),
    #[error("nothing matched the selector {selector:?} within {} seconds", .waited.as_secs())]
    SelectorNotFound { selector: String, waited: Duration },
    #[error("Chromium is unavailable: {0}")]
    BrowserUnavailable(String),
    #[error("Chromium crashed: {0}")]
    BrowserCrashed(String),
    #[error("the page used more than the {limit_mib} MiB of memory a page may have, and was stopped")]
    TooMuchMemory { limit_mib: u64 },
    #[error("file too large: the file is more than the {limit} bytes a file may have")]
    TooLarge { limit: u64 },
    #[error("render failed: {0}")]
    Internal(String),
}

impl RenderError {
    /// Whether trying the same job again could succeed. A page that is refused, missing or
    /// hangs will do so again; a browser that crashed or could not start may not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::BrowserUnavailable(_) | Self::BrowserCrashed(_) | Self::Internal(_)
        )
    }

    pub(crate) fn from_guard(url: &str, error: guard::GuardError) -> Self {
        match error {
            guard::GuardError::Refused(refused) => Self::Blocked {
                url: url.to_owned(),
                reason: refused.to_string(),
            },
            guard::GuardError::Unresolvable { .. } => Self::Unreachable(error.to_string()),
        }
    }

    pub(crate) fn from_cdp(error: chromiumoxide::error::CdpError) -> Self {
        use chromiumoxide::error::CdpError;
        match error {
            CdpError::Ws(_) | CdpError::ChannelSendError(_) | CdpError::NoResponse => {
                Self::BrowserCrashed(error.to_string())
            }
            CdpError::ChromeMessage(message) => Self::Unreachable(message),
            CdpError::Timeout => Self::Internal("a DevTools command timed out".into()),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Both engines behind one call.
pub struct Renderer {
    chromium: Option<Arc<ChromiumEngine>>,
    reader: ReaderEngine,
    guard: Guard,
    timeout: Duration,
}

impl Renderer {
    /// Chromium is used when its executable exists; otherwise every render uses the reader
    /// engine, which is logged once here.
    pub fn new(settings: &RenderSettings) -> Self {
        let guard = settings.guard();
        let chromium = if settings.chrome_path.exists() {
            Some(Arc::new(ChromiumEngine::new(ChromiumConfig {
                executable: settings.chrome_path.clone(),
                concurrency: settings.concurrency,
                timeout: settings.timeout,
                recycle_after: settings.recycle_after,
                guard: guard.clone(),
                launch_mode: settings.launch_mode,
                max_pdf_bytes: settings.max_pdf_bytes,
                max_page_memory: settings.max_page_memory_mib << 20,
            })))
        } else {
            tracing::warn!(
                chrome = %settings.chrome_path.display(),
                "Chromium not found: pages will be rendered with the reader engine (text only). \
                 Install chromium or set FOLIO_CHROME_PATH for faithful prints."
            );
            None
        };
        Self {
            chromium,
            reader: ReaderEngine::new(guard.clone(), settings.timeout)
                .with_max_pdf_bytes(settings.max_pdf_bytes),
            guard,
            timeout: settings.timeout,
        }
    }

    /// Says a job will ask for a Chromium tab soon (see [`TabWanted`]); `None` without Chromium.
    pub fn tab_wanted(&self) -> Option<TabWanted> {
        self.chromium.as_ref().map(ChromiumEngine::tab_wanted)
    }

    /// The longest one job may hold a tab: two prints (the second with stronger waits when
    /// the first advises it), each within the render timeout.
    pub fn longest_render(&self) -> Duration {
        self.timeout.saturating_mul(2)
    }

    /// The guard both engines use, for callers that refuse a URL before queueing it.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// Starts Chromium now rather than on the first job, when it is the engine in use.
    pub async fn warm_up(&self) -> Result<(), RenderError> {
        match &self.chromium {
            Some(chromium) => chromium.warm_up().await,
            None => Ok(()),
        }
    }

    /// Closes Chromium, if it was started.
    pub async fn shutdown(&self) {
        if let Some(chromium) = &self.chromium {
            chromium.shutdown().await;
        }
    }

    pub fn chromium(&self) -> Option<&Arc<ChromiumEngine>> {
        self.chromium.as_ref()
    }

    /// Renders for an anonymous caller (the command line).
    pub async fn render(
        &self,
        url: &PageUrl,
        options: &RenderOptions,
        engine: Engine,
    ) -> Result<RenderedPdf, RenderError> {
        self.render_for(Owner::Anonymous, url, options, engine).await
    }

    /// Renders on behalf of `owner`, whose browser state no other owner ever sees. A print
    /// that came out blank or with images still loading is printed once more with stronger
    /// waits (network idle, a scroll through the page, a delay), and that second print is the
    /// result, `retried`; should the second attempt fail, the first print stands.
    pub async fn render_for(
        &self,
        owner: Owner,
        url: &PageUrl,
        options: &RenderOptions,
        engine: Engine,
    ) -> Result<RenderedPdf, RenderError> {
        self.render_document_for(owner, url, None, options, engine).await
    }

    /// Renders `document` (uploaded HTML) as the page at `url`, its base for relative links,
    /// when given; else the page `url` serves. As [`Self::render_for`] otherwise.
    pub async fn render_document_for(
        &self,
        owner: Owner,
        url: &PageUrl,
        document: Option<&str>,
        options: &RenderOptions,
        engine: Engine,
    ) -> Result<RenderedPdf, RenderError> {
        options
            .validate_for(engine)
            .map_err(|invalid| RenderError::InvalidOptions {
                field: invalid.field,
                reason: invalid.reason,
            })?;
        // Asked of Chromium (the reader engine was refused with the options), but there is none.
        if options.output == Output::Png && self.chromium.is_none() {
            return Err(RenderError::InvalidOptions {
                field: "options.output",
                reason: "png is a screenshot, and Chromium is not installed here".to_owned(),
            });
        }
        let mut first = self.render_once(owner, url, document, options, engine).await?;
        let stronger = options.with_stronger_waits();
        let (true, Some(stronger)) = (first.retry_advised, stronger) else {
            return Ok(first);
        };
        tracing::info!(url = %url, warnings = ?first.warnings, "printing again with stronger waits");
        match self.render_once(owner, url, document, &stronger, engine).await {
            Ok(mut second) => {
                second.retried = true;
                Ok(second)
            }
            Err(e) => {
                tracing::warn!(url = %url, error = %e, "the second print failed; keeping the first");
                first.retried = true;
                Ok(first)
            }
        }
    }

    async fn render_once(
        &self,
        owner: Owner,
        url: &PageUrl,
        document: Option<&str>,
        options: &RenderOptions,
        engine: Engine,
    ) -> Result<RenderedPdf, RenderError> {
        let mut rendered = self
            .render_with_engine(owner, url, document, options, engine)
            .await?;
        // Printed at all, an error status was accepted (`accept_error_status`).
        if rendered.status.is_some_and(|status| status >= 400) {
            rendered.warnings.push(Warning::HttpError);
            rendered.warnings.sort();
        }
        Ok(rendered)
    }

    async fn render_with_engine(
        &self,
        owner: Owner,
        url: &PageUrl,
        document: Option<&str>,
        options: &RenderOptions,
        engine: Engine,
    ) -> Result<RenderedPdf, RenderError> {
        match (engine, &self.chromium) {
            (Engine::Chromium, Some(chromium)) => {
                chromium.render_document_for(owner, url, document, options).await
            }
            (Engine::Chromium, None) => {
                tracing::info!(url = %url, "Chromium missing; using the reader engine");
                self.reader.render_document(url, document, options).await
            }
            (Engine::Reader, _) => self.reader.render_document(url, document, options).await,
        }
    }
}
