use super::InvalidInput;

const FIELD: &str = "email";
/// RFC 5321 limits the forward path to 256 octets, two of them the angle brackets.
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// An email address, trimmed and lower-cased so that uniqueness does not depend on case.
///
/// Deliberately stricter than RFC 5322 (no quoted local parts, no IP literals): these are
/// account names typed by people, and every accepted form must be unambiguous to compare.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let invalid = |reason: &str| Err(InvalidInput::new(FIELD, reason));
        let address = input.trim().to_lowercase();
        if address.is_empty() {
            return invalid("is required");
        }
        if address.len() > MAX_LEN {
            return invalid("must be at most 254 characters");
        }
        let Some((local, domain)) = address.split_once('@') else {
            return invalid("must look like name@example.com");
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return invalid("must look like name@example.com");
        }
        if local.len() > MAX_LOCAL_LEN {
            return invalid("the part before @ must be at most 64 characters");
        }
        let local_char_ok = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
        if !local.chars().all(local_char_ok)
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return invalid("has characters not allowed before the @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return invalid("the domain must contain a dot, as in example.com");
        }
        for label in labels {
            let label_ok = !label.is_empty()
                && label.chars().count() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-');
            if !label_ok {
                return invalid("has an invalid domain");
            }
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises_ordinary_addresses() {
        let cases = [
            ("ada@example.com", "ada@example.com"),
            (
                "  Ada.Lovelace+folio@Example.CO.uk ",
                "ada.lovelace+folio@example.co.uk",
            ),
            ("x@b-c.io", "x@b-c.io"),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input).unwrap().as_str(), expected, "{input}");
        }
        // Non-ASCII local parts need SMTPUTF8, which we do not promise; IDN domains are fine.
        assert!(Email::parse("jörg@bücher.de").is_err());
        assert!(Email::parse("joerg@bücher.de").is_ok(), "IDN domains are fine");
    }

    #[test]
    fn refuses_malformed_addresses_with_the_field_named() {
        let cases = [
            ("", "empty"),
            ("   ", "blank"),
            ("plainaddress", "no @"),
            ("@example.com", "no local part"),
            ("ada@", "no domain"),
            ("ada@@example.com", "two @"),
            ("a@b@example.com", "@ in the domain"),
            ("ada@localhost", "single-label domain"),
            ("ada@example..com", "empty label"),
            ("ada@-example.com", "label starts with a hyphen"),
            ("ada@example.com-", "label ends with a hyphen"),
            (".ada@example.com", "leading dot"),
            ("ada.@example.com", "trailing dot"),
            ("a..da@example.com", "double dot"),
            ("a da@example.com", "space"),
            ("ada@exa mple.com", "space in domain"),
            ("ada\n@example.com", "control character"),
        ];
        for (input, why) in cases {
            let err = Email::parse(input).expect_err(why);
            assert_eq!(err.field, "email", "{why}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long_local).is_err(), "local part over 64");
        let long = format!("a@{}.com", "b".repeat(260));
        assert!(Email::parse(&long).is_err(), "over 254");
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in "\\PC*") {
            let _ = Email::parse(&input);
        }

        #[test]
        fn accepted_addresses_are_stable_under_reparsing(input in "\\PC{0,40}@\\PC{0,40}") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email.clone());
                prop_assert_eq!(email.as_str().matches('@').count(), 1);
            }
        }

        #[test]
        fn simple_valid_addresses_parse(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,20}", tld in "[a-z]{2,6}") {
            let input = format!("{local}@{domain}.{tld}");
            prop_assert!(Email::parse(&input).is_ok(), "{}", input);
        }
    }
}
