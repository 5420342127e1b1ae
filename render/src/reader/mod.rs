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
use folio_core::{Engine, PageUrl, RenderOptions, Warning};
use printpdf::{BuiltinFont, IndirectFontRef, Mm, PdfDocument};
use scraper::{ElementRef, Html, Node, Selector};

use crate::fetch;
use crate::guard::Guard;
use crate::{RenderError, RenderedPdf};

mod extract;
mod layout;
mod margins;
mod outline;
#[cfg(test)]
mod tests;

use extract::*;
pub use extract::{extract, Article, Block, MAX_NESTING};
pub use layout::typeset;
use layout::*;
use margins::*;

/// Pages larger than this are not articles; refusing them bounds memory.
const MAX_PAGE_BYTES: usize = 20 * 1024 * 1024;
const MM_PER_INCH: f64 = 25.4;
const PT_TO_MM: f64 = MM_PER_INCH / 72.0;

pub struct ReaderEngine {
    guard: Guard,
    timeout: Duration,
    max_pdf_bytes: u64,
}

impl ReaderEngine {
    pub fn new(guard: Guard, timeout: Duration) -> Self {
        Self {
            guard,
            timeout,
            max_pdf_bytes: folio_core::settings::DEFAULT_MAX_FILE_BYTES,
        }
    }

    /// The largest PDF kept as served (a URL whose response is a PDF).
    pub fn with_max_pdf_bytes(mut self, max_pdf_bytes: u64) -> Self {
        self.max_pdf_bytes = max_pdf_bytes;
        self
    }

    pub async fn render(&self, url: &PageUrl, options: &RenderOptions) -> Result<RenderedPdf, RenderError> {
        self.render_document(url, None, options).await
    }

    /// Typesets `document` (uploaded HTML, whose links resolve against `url`) when given,
    /// else the page `url` serves. The reader engine loads nothing a page refers to, so an
    /// upload needs no request at all.
    pub async fn render_document(
        &self,
        url: &PageUrl,
        document: Option<&str>,
        options: &RenderOptions,
    ) -> Result<RenderedPdf, RenderError> {
        let started = Instant::now();
        let fetched = match document {
            Some(html) => fetch::Fetched::uploaded(url, html),
            None => self.fetch(url, options).await?,
        };
        if document.is_none() && fetched.is_pdf() {
            return crate::served_pdf::keep(fetched, started, Engine::Reader).await;
        }
        self.typeset(fetched, url, options, started).await
    }

    async fn fetch(&self, url: &PageUrl, options: &RenderOptions) -> Result<fetch::Fetched, RenderError> {
        self.guard
            .resolve(&url.host().to_string(), url.port())
            .await
            .map_err(|e| RenderError::from_guard(url.as_str(), e))?;
        let bounds = fetch::Bounds {
            page_bytes: MAX_PAGE_BYTES,
            pdf_bytes: self.max_pdf_bytes,
        };
        let accept = "text/html,application/xhtml+xml,application/pdf;q=0.9";
        tokio::time::timeout(
            self.timeout,
            fetch::fetch(&self.guard, url, options, accept, bounds),
        )
        .await
        .map_err(|_| RenderError::Timeout(self.timeout))??
        .refuse_error_status(options)
    }

    async fn typeset(
        &self,
        fetched: fetch::Fetched,
        url: &PageUrl,
        options: &RenderOptions,
        started: Instant,
    ) -> Result<RenderedPdf, RenderError> {
        let options = options.clone();
        let final_url = fetched.final_url.clone();
        let requested = url.to_string();
        let max_pdf_bytes = self.max_pdf_bytes;
        let (bytes, title, pages, text) = tokio::task::spawn_blocking(move || {
            let (bytes, title, pages, text) = typeset_page(
                &String::from_utf8_lossy(&fetched.body),
                &fetched.final_url,
                &options,
            )?;
            let provenance = crate::pdf::provenance::Provenance {
                title: title.as_deref(),
                source_url: &requested,
                captured_at: time::OffsetDateTime::now_utc(),
            };
            let bytes = crate::pdf::provenance::stamp_within(bytes, &provenance, max_pdf_bytes)?;
            Ok::<_, RenderError>((bytes, title, pages, text))
        })
        .await
        .map_err(|e| RenderError::Internal(format!("typesetting task failed: {e}")))??;
        Ok(RenderedPdf {
            // Only the page's own markup is typeset: no waiting would add text.
            warnings: if text.trim().is_empty() {
                vec![Warning::Blank]
            } else {
                Vec::new()
            },
            text,
            retry_advised: false,
            retried: false,
            thumbnail: None,
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
}
