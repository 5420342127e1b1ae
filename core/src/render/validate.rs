//! The limits every entry point holds render options to, and page ranges.

use super::*;

/// Paper larger than this (about 5 m) is a mistake, and Chromium would try to allocate it.
pub(super) const MAX_PAPER_INCHES: f64 = 200.0;
pub(super) const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
pub(super) const MAX_DELAY_MS: u64 = 60_000;
pub(super) const MAX_HEADERS: usize = 50;
pub(super) const MAX_COOKIES: usize = 50;
/// Headers the browser or the connection owns; setting them would break or smuggle requests.
pub(super) const FORBIDDEN_HEADERS: &[&str] = &[
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
    /// [`Self::validate`], and what `engine` can do: a screenshot is Chromium's.
    pub fn validate_for(&self, engine: Engine) -> Result<(), InvalidInput> {
        self.validate()?;
        if self.output == Output::Png && engine == Engine::Reader {
            return Err(InvalidInput::new(
                "options.output",
                "png is a screenshot, which only the chromium engine takes".to_owned(),
            ));
        }
        Ok(())
    }

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

pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
