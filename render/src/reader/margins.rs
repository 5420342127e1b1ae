//! Header and footer lines: Chromium's templates as text, their placeholders filled in, each
//! line bounded however many placeholders a template holds.

use super::*;

/// Characters of a filled header or footer kept per page: more than a line can show.
pub(super) const MAX_MARGIN_LINE_CHARS: usize = 500;
pub(super) const MAX_MARGIN_LINE_BYTES: usize = 4 * MAX_MARGIN_LINE_CHARS + 4096;
/// A header or footer line with its placeholders filled in. Built up to a bound, never beyond:
/// whatever a template asks for (thousands of `{title}`s or `{url}`s once took the process to
/// gigabytes), a page keeps one line of small print.
pub(super) fn fill_margin_line(template: &str, values: &[(&str, &str)]) -> String {
    let mut line = String::new();
    let mut rest = template;
    while !rest.is_empty() && line.len() < MAX_MARGIN_LINE_BYTES {
        match values
            .iter()
            .find(|(placeholder, _)| rest.starts_with(placeholder))
        {
            Some((placeholder, value)) => {
                line.push_str(value);
                rest = &rest[placeholder.len()..];
            }
            None => {
                let next = rest.chars().next().unwrap_or_default();
                line.push(next);
                rest = &rest[next.len_utf8()..];
            }
        }
    }
    clip(&line, MAX_MARGIN_LINE_CHARS)
}

/// A Chromium header/footer template as plain text with placeholders for the values Chromium
/// would fill in (`pageNumber`, `totalPages`, `title`, `url`, `date`).
pub(super) fn template_text(template: &str) -> Option<String> {
    let fragment = Html::parse_fragment(template);
    let mut text = String::new();
    let walked = traverse(fragment.root_element(), |step| match step {
        Step::Text(t) => {
            text.push_str(t);
            Subtree::Walk
        }
        Step::Open(element) => {
            let el = element.value();
            if matches!(el.name(), "script" | "style") {
                return Subtree::Skip;
            }
            let class = el.attr("class").unwrap_or_default();
            let placeholder = ["pageNumber", "totalPages", "title", "url", "date"]
                .into_iter()
                .find(|name| class.split_whitespace().any(|c| c == *name));
            match placeholder {
                Some("date") => text.push_str(&today()),
                Some(name) => text.push_str(&format!("{{{name}}}")),
                None => return Subtree::Walk,
            }
            Subtree::Skip
        }
        Step::Close(_) => Subtree::Walk,
    });
    walked.ok()?;
    Some(collapse(&text.replace('\n', " ")))
}

pub(super) fn today() -> String {
    // ISO 8601, as Chromium writes the date in its header and footer templates.
    time::OffsetDateTime::now_utc().date().to_string()
}
