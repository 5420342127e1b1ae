//! What a user typed in the search box, as words: never an error for what it holds (quotes,
//! operators, `*` are not words, so they are not syntax either), only for its length. The same
//! words make each dialect's full-text expression and pick the snippet shown with a hit.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

/// Longest search accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of context a snippet shows before and after the first match.
const SNIPPET_BEFORE: usize = 8;
const SNIPPET_AFTER: usize = 18;
/// Words InnoDB does not index by default (`INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD`): a
/// required one would match nothing, so they are left out of MySQL's expression.
const INNODB_STOPWORDS: &[&str] = &[
    "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in",
    "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "who",
    "will", "with", "und", "www",
];
/// InnoDB's `innodb_ft_min_token_size`: shorter words are not in the index.
const INNODB_MIN_WORD: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Letters and digits as typed, each run a word; the last one also matches as a prefix.
    words: Vec<String>,
}

impl SearchQuery {
    /// `None` when the text holds no word at all (an empty box, `"*"`): nothing to search for.
    pub fn parse(raw: &str) -> Result<Option<Self>, ApiError> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::invalid(
                "q",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect();
        Ok((!words.is_empty()).then_some(Self { words }))
    }

    /// An FTS5 query: every word, quoted (so none is an operator), the last as a prefix.
    pub fn fts5(&self) -> String {
        let last = self.words.len() - 1;
        self.words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                if i == last {
                    format!("\"{word}\"*")
                } else {
                    format!("\"{word}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A MySQL boolean-mode query: every indexed word required, the last as a prefix. `None`
    /// when no word is one InnoDB indexes.
    pub fn mysql(&self) -> Option<String> {
        let last = self.words.len() - 1;
        let terms: Vec<String> = self
            .words
            .iter()
            .enumerate()
            .filter_map(|(i, word)| {
                if i == last {
                    return Some(format!("+{word}*"));
                }
                let folded = fold(word);
                let indexed =
                    folded.chars().count() >= INNODB_MIN_WORD && !INNODB_STOPWORDS.contains(&folded.as_str());
                indexed.then(|| format!("+{word}"))
            })
            .collect();
        (!terms.is_empty()).then(|| terms.join(" "))
    }

    /// A short excerpt of `text` around the first of these words in it, as plain text; the
    /// text's opening when none is there (the match was in the name or address).
    pub fn snippet(&self, text: &str) -> String {
        let folded: Vec<String> = self.words.iter().map(|word| fold(word)).collect();
        let last = folded.len() - 1;
        let matches = |word: &str| {
            word.split(|c: char| !c.is_alphanumeric())
                .filter(|part| !part.is_empty())
                .map(fold)
                .any(|part| {
                    folded.iter().enumerate().any(|(i, wanted)| {
                        part == *wanted || (i == last && part.starts_with(wanted.as_str()))
                    })
                })
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let at = words.iter().position(|word| matches(word)).unwrap_or(0);
        let start = at.saturating_sub(SNIPPET_BEFORE);
        let end = (at + SNIPPET_AFTER).min(words.len());
        let mut snippet = words[start..end].join(" ");
        if start > 0 {
            snippet.insert_str(0, "… ");
        }
        if end < words.len() {
            snippet.push_str(" …");
        }
        snippet
    }
}

/// Lowercase, without accents: how matching compares words.
fn fold(word: &str) -> String {
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(raw: &str) -> SearchQuery {
        SearchQuery::parse(raw).unwrap().unwrap()
    }

    #[test]
    fn operators_and_quotes_are_not_syntax() {
        assert_eq!(
            query("\"quokka\" OR -zebra*").fts5(),
            "\"quokka\" \"OR\" \"zebra\"*"
        );
        assert_eq!(query("NEAR(a b)").fts5(), "\"NEAR\" \"a\" \"b\"*");
        assert_eq!(query("l'été").fts5(), "\"l\" \"été\"*");
        for nothing in ["", "   ", "*", "\"\"", "-+()~<>@"] {
            assert_eq!(SearchQuery::parse(nothing).unwrap(), None, "{nothing:?}");
        }
    }

    #[test]
    fn over_two_hundred_characters_is_refused_naming_q() {
        assert!(SearchQuery::parse(&"é".repeat(MAX_QUERY_CHARS)).is_ok());
        let error = SearchQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)).unwrap_err();
        assert!(matches!(error, ApiError::Invalid { ref field, .. } if field == "q"));
    }

    #[test]
    fn mysql_leaves_out_words_innodb_does_not_index_but_keeps_the_prefix() {
        assert_eq!(
            query("the quokka of Perth").mysql().as_deref(),
            Some("+quokka +Perth*")
        );
        assert_eq!(query("to be").mysql().as_deref(), Some("+be*"));
        assert_eq!(query("Ab").mysql().as_deref(), Some("+Ab*"));
    }

    #[test]
    fn snippets_show_the_first_match_in_context_ignoring_case_and_accents() {
        let text = format!(
            "{} the CAFÉ opens at nine {}",
            "intro ".repeat(20),
            "outro ".repeat(30)
        );
        let snippet = query("cafe").snippet(&text);
        assert!(snippet.starts_with("… intro"), "{snippet}");
        assert!(snippet.contains("CAFÉ opens at nine"), "{snippet}");
        assert!(snippet.ends_with(" …"), "{snippet}");
        assert!(query("nin").snippet(&text).contains("nine"));
        assert_eq!(query("absent").snippet("short text"), "short text");
    }
}
