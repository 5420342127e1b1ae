use secrecy::{ExposeSecret, SecretString};

use super::InvalidInput;

/// Shorter passwords fall to offline guessing in minutes.
pub const MIN_CHARS: usize = 8;
/// Bounds the work a single request can ask the password hasher to do.
pub const MAX_CHARS: usize = 1024;

/// A password that meets the policy. It never appears in `Debug` output or logs.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Parses a new password for `field` (`password` on sign-up, `new_password` on change).
    pub fn parse(field: &'static str, input: String) -> Result<Self, InvalidInput> {
        if input.chars().count() < MIN_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("must be at least {MIN_CHARS} characters"),
            ));
        }
        if input.chars().count() > MAX_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        Ok(Self(SecretString::from(input)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn enforces_length_bounds_in_characters_and_bytes() {
        assert_eq!(
            Password::parse("password", "1234567".into()).unwrap_err().field,
            "password"
        );
        assert!(Password::parse("password", "12345678".into()).is_ok());
        // Eight characters, sixteen bytes: the policy counts characters.
        assert!(Password::parse("password", "ééééé\u{e9}éé".into()).is_ok());
        let err = Password::parse("new_password", "x".repeat(MAX_CHARS + 1)).unwrap_err();
        assert_eq!(err.field, "new_password");
        assert!(Password::parse("password", "x".repeat(MAX_CHARS)).is_ok());
    }

    #[test]
    fn debug_output_never_contains_the_password() {
        let password = Password::parse("password", "hunter2hunter2".into()).unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }

    proptest! {
        #[test]
        fn accepts_exactly_the_lengths_in_policy(input in "\\PC{0,40}") {
            let chars = input.chars().count();
            let ok = Password::parse("password", input.clone()).is_ok();
            prop_assert_eq!(ok, (MIN_CHARS..=MAX_CHARS).contains(&chars));
        }
    }
}
