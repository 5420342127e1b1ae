//! The reader engine: the page's readable content (title, headings, paragraphs, lists, quotes,
//! code and links) typeset as a light, text-only PDF with `printpdf`. For machines without
//! Chromium and for people who want the text, not the layout.
//!
//! The page is fetched through the same [`GuardProxy`] as Chromium's requests, so redirects are
//! checked hop by hop and DNS is resolved exactly once per connection.

use std::time::{Duration, Instant};

use ego_tree::iter::Edge;
use folio_core::domain::text::{clip, MAX_NAME_CHARS};
use folio_core::render::parse_page_ranges;
use folio_core::{Engine, PageUrl, RenderOptions};
use printpdf::{BuiltinFont, IndirectFontRef, Mm, PdfDocument};
use scraper::{ElementRef, Html, Node, Selector};

use crate::guard::Guard;
use crate::peer::AllowedPeers;
use crate::proxy::GuardProxy;
use crate::{RenderError, RenderedPdf};

mod extract;
mod layout;
mod margins;
#[cfg(test)]
mod tests;

use extract::*;
pub use extract::{extract, Article, Block, MAX_NESTING};
pub use layout::typeset;
use layout::*;
use margins::*;

/// Pages larger than this are not articles; refusing them bounds memory.
const MAX_PAGE_BYTES: usize = 20 * 1024 * 1024;
const MAX_REDIRECTS: usize = 10;
const MM_PER_INCH: f64 = 25.4;
const PT_TO_MM: f64 = MM_PER_INCH / 72.0;

pub struct ReaderEngine {
    guard: Guard,
    timeout: Duration,
}

impl ReaderEngine {
    pub fn new(guard: Guard, timeout: Duration) -> Self {
        Self { guard, timeout }
    }

    pub async fn render(&self, url: &PageUrl, options: &RenderOptions) -> Result<RenderedPdf, RenderError> {
        let started = Instant::now();
        self.guard
            .resolve(&url.host().to_string(), url.port())
            .await
            .map_err(|e| RenderError::from_guard(url.as_str(), e))?;
        let fetched = tokio::time::timeout(self.timeout, self.fetch(url, options))
            .await
            .map_err(|_| RenderError::Timeout(self.timeout))??;
        if fetched.status >= 400 && !options.accept_error_status {
            return Err(RenderError::TargetStatus {
                status: fetched.status,
                url: fetched.final_url,
            });
        }
        let options = options.clone();
        let final_url = fetched.final_url.clone();
        let (bytes, title, pages) =
            tokio::task::spawn_blocking(move || typeset_page(&fetched.html, &fetched.final_url, &options))
                .await
                .map_err(|e| RenderError::Internal(format!("typesetting task failed: {e}")))??;
        Ok(RenderedPdf {
            size_bytes: bytes.len() as u64,
            bytes,
            title,
            final_url,
            status: Some(fetched.status),
            pages,
            render_ms: started.elapsed().as_millis() as u64,
            engine: Engine::Reader,
        })
    }

    async fn fetch(&self, url: &PageUrl, options: &RenderOptions) -> Result<Fetched, RenderError> {
        let proxy = GuardProxy::start(self.guard.clone(), AllowedPeers::this_process())
            .await
            .map_err(|e| RenderError::Internal(format!("could not start the guard proxy: {e}")))?;
        let client = reqwest::Client::builder()
            .proxy(reqwest::Proxy::all(proxy.url()).map_err(|e| RenderError::Internal(e.to_string()))?)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .user_agent(
                options
                    .user_agent
                    .clone()
                    .unwrap_or_else(|| format!("Folio/{} (reader)", env!("CARGO_PKG_VERSION"))),
            )
            .build()
            .map_err(|e| RenderError::Internal(e.to_string()))?;
        let mut request = client
            .get(url.as_str())
            .header("accept", "text/html,application/xhtml+xml");
        for (name, value) in &options.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if !options.cookies.is_empty() {
            let cookies: Vec<String> = options
                .cookies
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect();
            request = request.header("cookie", cookies.join("; "));
        }
        let outcome = async {
            let mut response = request.send().await?;
            let status = response.status().as_u16();
            let final_url = response.url().to_string();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_PAGE_BYTES {
                    return Ok(Err(RenderError::Unreachable(format!(
                        "{final_url} is larger than {} MiB",
                        MAX_PAGE_BYTES / 1024 / 1024
                    ))));
                }
            }
            Ok::<_, reqwest::Error>(Ok(Fetched {
                status,
                final_url,
                html: String::from_utf8_lossy(&body).into_owned(),
            }))
        }
        .await;
        if let Some(refusal) = proxy.refusals().into_iter().next() {
            return Err(RenderError::Blocked {
                url: refusal.url,
                reason: refusal.reason,
            });
        }
        outcome.map_err(|e| RenderError::Unreachable(format!("{}: {e}", url.as_str())))?
    }
}

struct Fetched {
    status: u16,
    final_url: String,
    html: String,
}
