//! Limits on text that comes from pages and errors before it is stored.

/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest error message kept, in characters.
pub const MAX_ERROR_CHARS: usize = 1000;

/// `text` cut to at most `max_chars` characters at a character boundary, ending in `…` when
/// anything was cut.
pub fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(at, _)| at);
            format!("{}…", text[..end].trim_end())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_at_character_boundaries() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("exactly ten", 11), "exactly ten");
        assert_eq!(clip("abcdefghij", 5), "abcd…");
        let accents = "é".repeat(300);
        let clipped = clip(&accents, MAX_NAME_CHARS);
        assert_eq!(clipped.chars().count(), MAX_NAME_CHARS);
        assert!(clipped.ends_with('…'));
        assert_eq!(clip("", 3), "");
    }
}
