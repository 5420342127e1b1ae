//! What a caller may ask of a render: the engine and the print options.
//!
//! One type for the API body, the job message and the command line, so that every entry point
//! accepts and refuses exactly the same things. Field names are snake_case; unknown fields are
//! refused so that a typo (`landscpae`) is an error, not a silently ignored wish.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::InvalidInput;

#[cfg(feature = "openapi")]
mod openapi;
mod paper;
#[cfg(test)]
mod tests;
mod validate;
mod warning;

pub use paper::{Length, Margins, PaperFormat};
pub use validate::parse_page_ranges;
pub use warning::Warning;

/// Which renderer turns the page into a PDF.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// Headless Chromium: a faithful print of the page as a browser shows it.
    #[default]
    Chromium,
    /// Text-only: the page's readable content typeset by Folio itself; no browser needed.
    Reader,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chromium => "chromium",
            Self::Reader => "reader",
        }
    }
}

impl std::str::FromStr for Engine {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::domain::one_of(
            "engine",
            s,
            &[("chromium", Self::Chromium), ("reader", Self::Reader)],
        )
    }
}

/// What a render stores: a PDF of the page, or a screenshot of all of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    #[default]
    Pdf,
    /// A PNG of the full page height (at most [`MAX_PNG_HEIGHT`] pixels), as a screen shows
    /// it: Chromium only; the paper, print and PDF options do not apply.
    Png,
}

/// The tallest screenshot kept, in CSS pixels; a longer page is cut there.
pub const MAX_PNG_HEIGHT: u32 = 16_384;

impl Output {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
        }
    }
}

impl std::str::FromStr for Output {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::domain::one_of("output", s, &[("pdf", Self::Pdf), ("png", Self::Png)])
    }
}

/// CSS media type the page is laid out for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    #[default]
    Print,
    Screen,
}

/// When the page counts as ready to print.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitUntil {
    /// The `load` event: the document and its sub-resources.
    #[default]
    Load,
    /// No network activity for half a second after `load` (for pages that fetch after loading).
    NetworkIdle,
}

/// A cookie sent to the target page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cookie {
    pub name: String,
    pub value: String,
    /// Defaults to the page's host.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
}

/// Print options. Every field is optional; the defaults print A4 portrait after `load`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderOptions {
    /// A4 (default), A3, Letter, Legal or Tabloid. Ignored when `width` and `height` are given.
    pub format: PaperFormat,
    /// Explicit paper width; give `height` too.
    pub width: Option<Length>,
    pub height: Option<Length>,
    pub margin: Margins,
    pub landscape: bool,
    /// Zoom of the page content, 0.1 to 2.
    #[cfg_attr(feature = "openapi", schema(minimum = 0.1, maximum = 2.0))]
    pub scale: f64,
    pub print_background: bool,
    /// Pages to keep, such as `"1-3, 5"`; all when absent.
    pub page_ranges: Option<String>,
    /// Let a CSS `@page { size: … }` rule win over `format`, `width` and `height`.
    pub prefer_css_page_size: bool,
    /// HTML for each page's header; elements with class `pageNumber`, `totalPages`, `title`,
    /// `url` or `date` are filled in. Give it an explicit font size: the default is tiny.
    pub header_template: Option<String>,
    pub footer_template: Option<String>,
    pub media: MediaType,
    pub wait_until: WaitUntil,
    /// Also wait until an element matching this CSS selector exists.
    pub wait_for_selector: Option<String>,
    /// Also wait this many milliseconds before printing (capped by the render timeout).
    pub wait_delay_ms: u64,
    /// Scroll through the page first so lazily loaded images and content appear.
    pub lazy_scroll: bool,
    /// Extra HTTP headers sent with every request of the page.
    pub headers: BTreeMap<String, String>,
    pub cookies: Vec<Cookie>,
    pub user_agent: Option<String>,
    /// Print the page even when it answers with a 4xx or 5xx status.
    pub accept_error_status: bool,
    /// A tagged PDF (a structure tree, for screen readers); on by default. Chromium only: the
    /// reader engine's PDFs are untagged.
    pub tagged: bool,
    /// A document outline (bookmarks) from the page's headings; on by default. Chromium builds
    /// it from the structure tree, so an outline makes the PDF tagged too.
    pub outline: bool,
    /// `pdf` (the default) or `png`: a screenshot of the full page instead of a PDF.
    pub output: Output,
    /// Before printing, dismiss consent banners (refusing where the platform allows) or hide
    /// them, and hide fixed overlays that cover the content; on by default. Chromium only.
    pub clean: bool,
}

/// The delay a second print waits at least, after network idle and a scroll.
pub const RETRY_DELAY_MS: u64 = 2_000;

impl RenderOptions {
    /// These options with the strongest waits: network idle, a scroll through the page, and a
    /// delay of at least [`RETRY_DELAY_MS`]. `None` when they already wait that much.
    pub fn with_stronger_waits(&self) -> Option<Self> {
        let stronger = Self {
            wait_until: WaitUntil::NetworkIdle,
            lazy_scroll: true,
            wait_delay_ms: self.wait_delay_ms.max(RETRY_DELAY_MS),
            ..self.clone()
        };
        (stronger != *self).then_some(stronger)
    }

    /// The options that differ from the defaults, as the JSON the API takes: what a caller
    /// asked for, without the rest. Parsing it back gives these very options.
    pub fn differences_from_default(&self) -> serde_json::Map<String, serde_json::Value> {
        let defaults = serde_json::to_value(Self::default()).unwrap_or_default();
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut asked)) => {
                asked.retain(|key, value| defaults.get(key) != Some(value));
                asked
            }
            _ => serde_json::Map::new(),
        }
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            format: PaperFormat::A4,
            width: None,
            height: None,
            margin: Margins::default(),
            landscape: false,
            scale: 1.0,
            print_background: false,
            page_ranges: None,
            prefer_css_page_size: false,
            header_template: None,
            footer_template: None,
            media: MediaType::Print,
            wait_until: WaitUntil::Load,
            wait_for_selector: None,
            wait_delay_ms: 0,
            lazy_scroll: false,
            headers: BTreeMap::new(),
            cookies: Vec::new(),
            user_agent: None,
            accept_error_status: false,
            tagged: true,
            outline: true,
            output: Output::Pdf,
            clean: true,
        }
    }
}
