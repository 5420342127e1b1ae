use super::InvalidInput;

const FIELD: &str = "url";
/// Beyond this, URLs are almost always generated junk and some servers refuse them anyway.
const MAX_LEN: usize = 4096;

/// A web page address Folio may be asked to fetch: absolute `http` or `https` with a host and
/// no embedded credentials. Whether its host is *allowed* (not private, not loopback) is a
/// question of DNS at fetch time, answered by the renderer's guard, not here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl(url::Url);

impl PageUrl {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        Self::parse_field(FIELD, input)
    }

    pub fn parse_field(field: &'static str, input: &str) -> Result<Self, InvalidInput> {
        let invalid = |reason: String| Err(InvalidInput::new(field, reason));
        let input = input.trim();
        if input.is_empty() {
            return invalid("is required".into());
        }
        if input.len() > MAX_LEN {
            return invalid(format!("must be at most {MAX_LEN} characters"));
        }
        let url = match url::Url::parse(input) {
            Ok(url) => url,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                return invalid("must be an absolute URL such as https://example.com/page".into())
            }
            Err(e) => return invalid(format!("is not a valid URL ({e})")),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return invalid(format!("must use http or https, not {}", url.scheme()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return invalid("must name a host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return invalid("must not contain a user name or password".into());
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    pub fn host(&self) -> url::Host<&str> {
        self.0.host().expect("checked in parse")
    }

    pub fn port(&self) -> u16 {
        self.0
            .port_or_known_default()
            .expect("http and https have default ports")
    }
}

/// Crosses the job queue as its text, and is checked again when read back: a message
/// cannot smuggle in an address the API would have refused.
impl serde::Serialize for PageUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PageUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for PageUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_http_and_https_pages() {
        for input in [
            "https://example.com",
            "http://example.com:8080/a/b?c=d#e",
            "  https://EXAMPLE.com/Path  ",
            "https://bücher.de/",
            "http://127.0.0.1:3000/",
            "http://[::1]:8080/",
        ] {
            assert!(PageUrl::parse(input).is_ok(), "{input}");
        }
        assert_eq!(
            PageUrl::parse("https://EXAMPLE.com").unwrap().as_str(),
            "https://example.com/"
        );
        assert_eq!(PageUrl::parse("https://example.com").unwrap().port(), 443);
    }

    #[test]
    fn refuses_what_is_not_a_fetchable_page() {
        let cases = [
            ("", "empty"),
            ("example.com", "no scheme"),
            ("/relative/path", "relative"),
            ("file:///etc/passwd", "file scheme"),
            ("ftp://example.com/", "ftp scheme"),
            ("javascript:alert(1)", "javascript scheme"),
            ("data:text/html,hi", "data scheme"),
            ("http://", "no host"),
            ("https://user:pass@example.com/", "credentials"),
            ("https://user@example.com/", "user name"),
            ("http://exa mple.com/", "space in host"),
        ];
        for (input, why) in cases {
            let err = PageUrl::parse(input).expect_err(why);
            assert_eq!(err.field, "url", "{why}");
        }
        assert!(PageUrl::parse(&format!("https://example.com/{}", "a".repeat(5000))).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in "\\PC*") {
            let _ = PageUrl::parse(&input);
        }

        #[test]
        fn accepted_urls_are_http_or_https(input in "(https?|ftp|file)://[a-z0-9.:@/-]{0,30}") {
            if let Ok(url) = PageUrl::parse(&input) {
                prop_assert!(matches!(url.url().scheme(), "http" | "https"));
            }
        }
    }
}
