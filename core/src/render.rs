//! What a caller may ask of a render: the engine and the print options.
//!
//! One type for the API body, the job message and the command line, so that every entry point
//! accepts and refuses exactly the same things. Field names are snake_case; unknown fields are
//! refused so that a typo (`landscpae`) is an error, not a silently ignored wish.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::InvalidInput;

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
        match s.trim().to_ascii_lowercase().as_str() {
            "chromium" => Ok(Self::Chromium),
            "reader" => Ok(Self::Reader),
            other => Err(InvalidInput::new(
                "engine",
                format!("{other:?} is not one of chromium, reader"),
            )),
        }
    }
}

/// Standard paper sizes, as Chromium's print dialog knows them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum PaperFormat {
    #[default]
    A4,
    A3,
    Letter,
    Legal,
    Tabloid,
}

impl PaperFormat {
    /// Width and height in inches, portrait.
    pub fn size_inches(self) -> (f64, f64) {
        match self {
            Self::A4 => (8.27, 11.69),
            Self::A3 => (11.69, 16.54),
            Self::Letter => (8.5, 11.0),
            Self::Legal => (8.5, 14.0),
            Self::Tabloid => (11.0, 17.0),
        }
    }
}

impl std::str::FromStr for PaperFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Self::A4),
            "a3" => Ok(Self::A3),
            "letter" => Ok(Self::Letter),
            "legal" => Ok(Self::Legal),
            "tabloid" => Ok(Self::Tabloid),
            _ => Err(format!(
                "{:?} is not one of A4, A3, Letter, Legal, Tabloid",
                s.trim()
            )),
        }
    }
}

impl<'de> Deserialize<'de> for PaperFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A length on paper, kept in inches (what the DevTools protocol takes). Written as a number of
/// inches or a string with a unit: `"1in"`, `"25.4mm"`, `"2.54cm"`, `"96px"`, `"72pt"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "String")]
pub struct Length(pub f64);

impl Length {
    pub fn inches(self) -> f64 {
        self.0
    }
}

impl From<Length> for String {
    fn from(length: Length) -> Self {
        format!("{}in", length.0)
    }
}

impl std::str::FromStr for Length {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let value: f64 = number
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a length such as \"1cm\", \"10mm\", \"0.5in\" or \"72pt\""))?;
        let per_inch = match unit.trim() {
            "" | "in" => 1.0,
            "cm" => 2.54,
            "mm" => 25.4,
            "px" => 96.0,
            "pt" => 72.0,
            other => return Err(format!("unknown unit {other:?}; use in, cm, mm, px or pt")),
        };
        if !value.is_finite() {
            return Err("must be a finite number".to_owned());
        }
        Ok(Self(value / per_inch))
    }
}

impl<'de> Deserialize<'de> for Length {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("expected a number of inches or a string such as \"1cm\"")
        })? {
            Raw::Number(n) if n.is_finite() => Ok(Self(n)),
            Raw::Number(_) => Err(serde::de::Error::custom("must be a finite number")),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Page margins; one length for all four sides, or an object naming some of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Margins {
    pub top: Length,
    pub right: Length,
    pub bottom: Length,
    pub left: Length,
}

impl Default for Margins {
    /// Chromium's own default, about a centimetre.
    fn default() -> Self {
        let edge = Length(0.4);
        Self {
            top: edge,
            right: edge,
            bottom: edge,
            left: edge,
        }
    }
}

impl<'de> Deserialize<'de> for Margins {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Sides {
            top: Option<Length>,
            right: Option<Length>,
            bottom: Option<Length>,
            left: Option<Length>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            All(Length),
            Sides(Sides),
        }
        let defaults = Self::default();
        match Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom(
                "expected a length for all sides or an object with top, right, bottom and left",
            )
        })? {
            Raw::All(edge) => Ok(Self {
                top: edge,
                right: edge,
                bottom: edge,
                left: edge,
            }),
            Raw::Sides(sides) => Ok(Self {
                top: sides.top.unwrap_or(defaults.top),
                right: sides.right.unwrap_or(defaults.right),
                bottom: sides.bottom.unwrap_or(defaults.bottom),
                left: sides.left.unwrap_or(defaults.left),
            }),
        }
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
        }
    }
}

/// Paper larger than this (about 5 m) is a mistake, and Chromium would try to allocate it.
const MAX_PAPER_INCHES: f64 = 200.0;
const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
const MAX_DELAY_MS: u64 = 60_000;
const MAX_HEADERS: usize = 50;
const MAX_COOKIES: usize = 50;
/// Headers the browser or the connection owns; setting them would break or smuggle requests.
const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
    "expect",
];

impl RenderOptions {
    /// Checks what serde cannot: ranges, combinations and header syntax. Field names in errors
    /// are prefixed with `options.` as the API nests them.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        let invalid = |field: &'static str, reason: String| Err(InvalidInput::new(field, reason));
        match (self.width, self.height) {
            (Some(_), None) => return invalid("options.height", "is required when width is given".into()),
            (None, Some(_)) => return invalid("options.width", "is required when height is given".into()),
            _ => {}
        }
        for (field, length) in [("options.width", self.width), ("options.height", self.height)] {
            if let Some(Length(inches)) = length {
                if !(0.1..=MAX_PAPER_INCHES).contains(&inches) {
                    return invalid(field, format!("must be between 0.1in and {MAX_PAPER_INCHES}in"));
                }
            }
        }
        let (mut paper_w, mut paper_h) = self.paper_size_inches();
        if self.landscape {
            std::mem::swap(&mut paper_w, &mut paper_h);
        }
        let m = &self.margin;
        for (field, Length(inches)) in [
            ("options.margin.top", m.top),
            ("options.margin.right", m.right),
            ("options.margin.bottom", m.bottom),
            ("options.margin.left", m.left),
        ] {
            if inches < 0.0 {
                return invalid(field, "must not be negative".into());
            }
        }
        if m.left.0 + m.right.0 >= paper_w * 0.9 || m.top.0 + m.bottom.0 >= paper_h * 0.9 {
            return invalid("options.margin", "leaves no room on the page for content".into());
        }
        if !(0.1..=2.0).contains(&self.scale) || !self.scale.is_finite() {
            return invalid("options.scale", "must be between 0.1 and 2".into());
        }
        if let Some(ranges) = &self.page_ranges {
            parse_page_ranges(ranges).map_err(|reason| InvalidInput::new("options.page_ranges", reason))?;
        }
        for (field, template) in [
            ("options.header_template", &self.header_template),
            ("options.footer_template", &self.footer_template),
        ] {
            if template.as_ref().is_some_and(|t| t.len() > MAX_TEMPLATE_BYTES) {
                return invalid(field, format!("must be at most {MAX_TEMPLATE_BYTES} bytes"));
            }
        }
        if let Some(selector) = &self.wait_for_selector {
            if selector.trim().is_empty() || selector.len() > 1024 {
                return invalid(
                    "options.wait_for_selector",
                    "must be a CSS selector of 1 to 1024 characters".into(),
                );
            }
        }
        if self.wait_delay_ms > MAX_DELAY_MS {
            return invalid("options.wait_delay_ms", format!("must be at most {MAX_DELAY_MS}"));
        }
        if self.headers.len() > MAX_HEADERS {
            return invalid("options.headers", format!("at most {MAX_HEADERS} headers"));
        }
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return invalid("options.headers", format!("{name:?} is not a valid header name"));
            }
            if FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return invalid(
                    "options.headers",
                    format!("{name} is set by the browser and cannot be overridden"),
                );
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) || value.len() > 8192 {
                return invalid(
                    "options.headers",
                    format!("the value of {name} is not a valid header value"),
                );
            }
        }
        if self.cookies.len() > MAX_COOKIES {
            return invalid("options.cookies", format!("at most {MAX_COOKIES} cookies"));
        }
        for cookie in &self.cookies {
            if cookie.name.is_empty() || !cookie.name.bytes().all(is_token_byte) {
                return invalid(
                    "options.cookies",
                    format!("{:?} is not a valid cookie name", cookie.name),
                );
            }
            let value_ok = cookie.value.len() <= 4096
                && cookie
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b',' && b != b'"');
            if !value_ok {
                return invalid(
                    "options.cookies",
                    format!("the value of cookie {} is not valid", cookie.name),
                );
            }
            // The browser refuses a cookie whose domain is not a host name or whose path is not
            // absolute, on every attempt: say so now, not after the job was queued.
            if let Some(domain) = &cookie.domain {
                let host = domain.strip_prefix('.').unwrap_or(domain);
                let host_ok = !host.is_empty()
                    && host.len() <= 253
                    && host.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    });
                if !host_ok {
                    return invalid(
                        "options.cookies",
                        format!("the domain of cookie {} is not a host name", cookie.name),
                    );
                }
            }
            if let Some(path) = &cookie.path {
                if !path.starts_with('/')
                    || path.len() > 1024
                    || path.bytes().any(|b| b.is_ascii_control() || b == b';')
                {
                    return invalid(
                        "options.cookies",
                        format!("the path of cookie {} must start with / ", cookie.name),
                    );
                }
            }
        }
        if let Some(agent) = &self.user_agent {
            if agent.trim().is_empty() || agent.len() > 512 || agent.chars().any(char::is_control) {
                return invalid(
                    "options.user_agent",
                    "must be 1 to 512 printable characters".into(),
                );
            }
        }
        Ok(())
    }

    /// Portrait paper size in inches, from `width`/`height` or `format`.
    pub fn paper_size_inches(&self) -> (f64, f64) {
        match (self.width, self.height) {
            (Some(w), Some(h)) => (w.0, h.0),
            _ => self.format.size_inches(),
        }
    }
}

/// Parses `"1-3, 5"` into inclusive 1-based ranges.
pub fn parse_page_ranges(ranges: &str) -> Result<Vec<(u32, u32)>, String> {
    let bad = || format!("{ranges:?} is not a list of pages such as \"1-3, 5\"");
    let mut parsed = Vec::new();
    for part in ranges.split(',') {
        let part = part.trim();
        let (start, end) = match part.split_once('-') {
            Some((start, end)) => (start.trim(), end.trim()),
            None => (part, part),
        };
        let start: u32 = start.parse().map_err(|_| bad())?;
        let end: u32 = end.parse().map_err(|_| bad())?;
        if start == 0 || end < start {
            return Err(bad());
        }
        parsed.push((start, end));
    }
    Ok(parsed)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Schemas for the types whose JSON forms serde's derive does not describe (a length is a
/// number or a string with a unit; margins are one length or four).
#[cfg(feature = "openapi")]
mod openapi {
    use utoipa::openapi::schema::{
        AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
    };
    use utoipa::openapi::RefOr;
    use utoipa::{PartialSchema, ToSchema};

    use super::{Length, Margins};

    impl PartialSchema for Length {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::Type(Type::Number))
                        .description(Some("inches")),
                )
                .item(
                    ObjectBuilder::new()
                        .schema_type(SchemaType::Type(Type::String))
                        .pattern(Some(r"^\s*[0-9.]+\s*(in|mm|cm|px|pt)?\s*$"))
                        .description(Some("a number with a unit: in, mm, cm, px or pt")),
                )
                .description(Some("A length on paper, e.g. 0.5 (inches) or \"12mm\""))
                .into()
        }
    }
    impl ToSchema for Length {}

    impl PartialSchema for Margins {
        fn schema() -> RefOr<Schema> {
            let side = |name: &str| (name.to_owned(), Length::schema());
            let mut sides =
                ObjectBuilder::new().description(Some("per side; missing sides keep the default"));
            for (name, schema) in ["top", "right", "bottom", "left"].map(side) {
                sides = sides.property(name, schema);
            }
            OneOfBuilder::new()
                .item(Length::schema())
                .item(sides.additional_properties(Some(AdditionalProperties::FreeForm(false))))
                .description(Some(
                    "One length for all sides, or an object of sides (default 0.4in each)",
                ))
                .into()
        }
    }
    impl ToSchema for Margins {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<RenderOptions, String> {
        let options: RenderOptions = serde_json::from_value(value).map_err(|e| e.to_string())?;
        options.validate().map_err(|e| e.to_string())?;
        Ok(options)
    }

    #[test]
    fn empty_object_gives_the_documented_defaults() {
        let options = parse(json!({})).unwrap();
        assert_eq!(options, RenderOptions::default());
        assert_eq!(options.format, PaperFormat::A4);
        assert!(!options.landscape && !options.lazy_scroll);
        assert_eq!(options.wait_until, WaitUntil::Load);
    }

    #[test]
    fn accepts_every_documented_option() {
        let options = parse(json!({
            "format": "letter",
            "margin": {"top": "1cm", "bottom": "10mm", "left": 0.5},
            "landscape": true,
            "scale": 0.8,
            "print_background": true,
            "page_ranges": "1-2, 4",
            "prefer_css_page_size": true,
            "header_template": "<span class=title></span>",
            "footer_template": "<span class=pageNumber></span>/<span class=totalPages></span>",
            "media": "screen",
            "wait_until": "network_idle",
            "wait_for_selector": "#ready",
            "wait_delay_ms": 250,
            "lazy_scroll": true,
            "headers": {"Accept-Language": "fr"},
            "cookies": [{"name": "session", "value": "abc"}],
            "user_agent": "FolioBot/1.0",
            "accept_error_status": true
        }))
        .unwrap();
        assert_eq!(options.format, PaperFormat::Letter);
        assert!((options.margin.top.0 - 1.0 / 2.54).abs() < 1e-9);
        assert!((options.margin.left.0 - 0.5).abs() < 1e-9);
        assert!(
            (options.margin.right.0 - 0.4).abs() < 1e-9,
            "unnamed sides keep the default"
        );
        let explicit = parse(json!({"width": "100mm", "height": "200mm", "margin": "0"})).unwrap();
        let (w, h) = explicit.paper_size_inches();
        assert!((w - 100.0 / 25.4).abs() < 1e-9 && (h - 200.0 / 25.4).abs() < 1e-9);
    }

    #[test]
    fn refuses_bad_options_with_a_reason() {
        let cases = [
            (json!({"landscpae": true}), "landscpae", "unknown field"),
            (json!({"landscape": "yes"}), "boolean", "string for a boolean"),
            (json!({"format": "B5"}), "B5", "unknown paper"),
            (json!({"scale": 3}), "scale", "scale too large"),
            (json!({"width": "10cm"}), "height", "width without height"),
            (
                json!({"width": "10furlongs", "height": "1in"}),
                "unit",
                "unknown unit",
            ),
            (json!({"width": "1000in", "height": "1in"}), "width", "huge paper"),
            (json!({"margin": {"top": "-1cm"}}), "negative", "negative margin"),
            (json!({"margin": "6in"}), "no room", "margins eat the page"),
            (json!({"margin": {"middle": 1}}), "top, right", "unknown side"),
            (json!({"page_ranges": "3-1"}), "page_ranges", "reversed range"),
            (json!({"page_ranges": "0"}), "page_ranges", "page zero"),
            (json!({"page_ranges": "one"}), "page_ranges", "not a number"),
            (json!({"wait_until": "forever"}), "forever", "unknown wait"),
            (
                json!({"wait_delay_ms": 600000}),
                "wait_delay_ms",
                "delay too long",
            ),
            (
                json!({"wait_for_selector": "  "}),
                "wait_for_selector",
                "blank selector",
            ),
            (json!({"headers": {"Host": "evil"}}), "Host", "forbidden header"),
            (
                json!({"headers": {"X-A": "b\r\nX-Injected: 1"}}),
                "X-A",
                "header injection",
            ),
            (
                json!({"headers": {"bad name": "x"}}),
                "bad name",
                "invalid header name",
            ),
            (
                json!({"cookies": [{"name": "a", "value": "b;c"}]}),
                "cookie",
                "cookie injection",
            ),
            (
                json!({"cookies": [{"name": "a", "value": "b", "domain": "http://x/"}]}),
                "domain of cookie a",
                "cookie domain that is not a host",
            ),
            (
                json!({"cookies": [{"name": "a", "value": "b", "path": "relative"}]}),
                "path of cookie a",
                "relative cookie path",
            ),
            (
                json!({"user_agent": "a\nb"}),
                "user_agent",
                "control character in UA",
            ),
            (json!({"media": "tv"}), "`tv`", "unknown media"),
        ];
        for (value, expected, why) in cases {
            let err = parse(value).expect_err(why);
            assert!(err.contains(expected), "{why}: {err}");
        }
    }

    #[test]
    fn options_round_trip_through_json() {
        let options = parse(json!({"format": "A3", "margin": "1cm", "landscape": true})).unwrap();
        let json = serde_json::to_value(&options).unwrap();
        let again: RenderOptions = serde_json::from_value(json).unwrap();
        assert_eq!(again, options);
    }

    #[test]
    fn engine_names() {
        assert_eq!("Reader".parse::<Engine>().unwrap(), Engine::Reader);
        assert!("webkit".parse::<Engine>().is_err());
        assert_eq!(serde_json::to_string(&Engine::Chromium).unwrap(), "\"chromium\"");
    }
}
