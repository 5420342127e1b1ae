//! What a render noticed about its result that the user should know before trusting it.

use serde::{Deserialize, Serialize};

use crate::InvalidInput;

/// A doubt about a done file, found when it was printed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// No visible text, and the first screen is nearly one colour.
    Blank,
    /// Images in the document had not loaded (or failed to) when it was printed.
    ImagesMissing,
    /// A consent dialog still covered the content when it was printed.
    ConsentWall,
    /// The main content is a sign-in form.
    LoginWall,
    /// The page answered 4xx or 5xx and `accept_error_status` let it through.
    HttpError,
    /// The SSRF guard refused some of an uploaded page's requests: what they would have
    /// loaded is missing.
    Blocked,
}

impl Warning {
    pub const ALL: [Self; 6] = [
        Self::Blank,
        Self::ImagesMissing,
        Self::ConsentWall,
        Self::LoginWall,
        Self::HttpError,
        Self::Blocked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blank => "blank",
            Self::ImagesMissing => "images_missing",
            Self::ConsentWall => "consent_wall",
            Self::LoginWall => "login_wall",
            Self::HttpError => "http_error",
            Self::Blocked => "blocked",
        }
    }

    /// Whether printing again with stronger waits (network idle, a scroll, a delay) may mend it.
    pub fn worth_a_retry(self) -> bool {
        matches!(self, Self::Blank | Self::ImagesMissing)
    }
}

impl std::str::FromStr for Warning {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let choices = Self::ALL.map(|warning| (warning.as_str(), warning));
        crate::domain::one_of("warning", s, &choices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_wire_names_and_parse_back() {
        for warning in Warning::ALL {
            let wire = serde_json::to_value(warning).unwrap();
            assert_eq!(wire, warning.as_str());
            assert_eq!(warning.as_str().parse::<Warning>().unwrap(), warning);
        }
        assert!("late".parse::<Warning>().is_err());
    }
}
