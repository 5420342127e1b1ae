//! Tags a user puts on files: short lowercase words, at most [`MAX_TAGS`] a file.

use std::collections::BTreeSet;

use super::InvalidInput;

/// Most tags one file may carry.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 32;

/// One tag: 1 to 32 of `a-z`, `0-9`, `-` and `_`. Never contains a comma, a quote or a LIKE
/// wildcard other than `_`, which stores can rely on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    pub fn parse(text: &str) -> Result<Self, InvalidInput> {
        let valid = (1..=MAX_TAG_CHARS).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidInput::new(
                "tags",
                format!(
                    "{text:?} is not a tag: use 1 to {MAX_TAG_CHARS} lowercase letters, digits, '-' or '_'"
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file's tags: distinct, sorted, at most [`MAX_TAGS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(BTreeSet<Tag>);

impl Tags {
    pub fn parse<S: AsRef<str>>(texts: &[S]) -> Result<Self, InvalidInput> {
        let tags = texts
            .iter()
            .map(|t| Tag::parse(t.as_ref()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if tags.len() > MAX_TAGS {
            return Err(InvalidInput::new(
                "tags",
                format!("a file holds at most {MAX_TAGS} tags, not {}", tags.len()),
            ));
        }
        Ok(Self(tags))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.0.iter()
    }

    /// As the API shows them: sorted strings.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|t| t.0.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_short_lowercase_words_distinct_and_sorted() {
        let tags = Tags::parse(&["work", "to-read", "work", "2026_q4"]).unwrap();
        assert_eq!(tags.to_strings(), ["2026_q4", "to-read", "work"]);
        for bad in ["", "Work", "two words", "a,b", "%", "é", &"x".repeat(33)] {
            let error = Tag::parse(bad).unwrap_err();
            assert_eq!(error.field, "tags", "{bad:?}");
        }
        let many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
        assert!(Tags::parse(&many).is_err());
        assert!(Tags::parse(&many[..20]).is_ok());
    }
}
