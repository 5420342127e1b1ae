//! Domain newtypes: user input is parsed into these once, at the edge, and never re-checked.

mod email;
mod page_url;
mod password;
mod tag;
pub mod text;

pub use email::Email;
pub use page_url::PageUrl;
pub use password::Password;
pub use tag::{Tag, Tags, MAX_TAGS, MAX_TAG_CHARS};

/// Input that failed to parse, naming the offending field so an API can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidInput {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// `text` as one of `choices`' labels (any case, surrounding space ignored).
pub(crate) fn one_of<T: Copy>(
    field: &'static str,
    text: &str,
    choices: &[(&str, T)],
) -> Result<T, InvalidInput> {
    let wanted = text.trim();
    choices
        .iter()
        .find(|(label, _)| label.eq_ignore_ascii_case(wanted))
        .map(|(_, choice)| *choice)
        .ok_or_else(|| {
            let labels: Vec<_> = choices.iter().map(|(label, _)| *label).collect();
            InvalidInput::new(field, format!("{wanted:?} is not one of {}", labels.join(", ")))
        })
}
