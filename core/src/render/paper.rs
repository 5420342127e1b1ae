//! The page box: paper sizes, lengths with their units, and margins.

use super::*;

/// Standard paper sizes, as Chromium's print dialog knows them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum PaperFormat {
    #[default]
    A4,
    A3,
    Letter,
    Legal,
    Tabloid,
}

impl PaperFormat {
    /// Width and height in inches, portrait.
    pub fn size_inches(self) -> (f64, f64) {
        match self {
            Self::A4 => (8.27, 11.69),
            Self::A3 => (11.69, 16.54),
            Self::Letter => (8.5, 11.0),
            Self::Legal => (8.5, 14.0),
            Self::Tabloid => (11.0, 17.0),
        }
    }
}

impl std::str::FromStr for PaperFormat {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::domain::one_of(
            "format",
            s,
            &[
                ("A4", Self::A4),
                ("A3", Self::A3),
                ("Letter", Self::Letter),
                ("Legal", Self::Legal),
                ("Tabloid", Self::Tabloid),
            ],
        )
    }
}

impl<'de> Deserialize<'de> for PaperFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|e: InvalidInput| serde::de::Error::custom(e.reason))
    }
}

/// A length on paper, kept in inches (what the DevTools protocol takes). Written as a number of
/// inches or a string with a unit: `"1in"`, `"25.4mm"`, `"2.54cm"`, `"96px"`, `"72pt"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "String")]
pub struct Length(pub f64);

impl Length {
    pub fn inches(self) -> f64 {
        self.0
    }
}

impl From<Length> for String {
    fn from(length: Length) -> Self {
        format!("{}in", length.0)
    }
}

impl std::str::FromStr for Length {
    type Err = InvalidInput;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let value: f64 = number.trim().parse().map_err(|_| {
            InvalidInput::new(
                "length",
                format!("{s:?} is not a length such as \"1cm\", \"10mm\", \"0.5in\" or \"72pt\""),
            )
        })?;
        let per_inch = match unit.trim() {
            "" | "in" => 1.0,
            "cm" => 2.54,
            "mm" => 25.4,
            "px" => 96.0,
            "pt" => 72.0,
            other => {
                return Err(InvalidInput::new(
                    "length",
                    format!("unknown unit {other:?}; use in, cm, mm, px or pt"),
                ))
            }
        };
        if !value.is_finite() {
            return Err(InvalidInput::new("length", "must be a finite number"));
        }
        Ok(Self(value / per_inch))
    }
}

impl<'de> Deserialize<'de> for Length {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        match Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("expected a number of inches or a string such as \"1cm\"")
        })? {
            Raw::Number(n) if n.is_finite() => Ok(Self(n)),
            Raw::Number(_) => Err(serde::de::Error::custom("must be a finite number")),
            Raw::Text(text) => text
                .parse()
                .map_err(|e: InvalidInput| serde::de::Error::custom(e.reason)),
        }
    }
}

/// Page margins; one length for all four sides, or an object naming some of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Margins {
    pub top: Length,
    pub right: Length,
    pub bottom: Length,
    pub left: Length,
}

impl Default for Margins {
    /// Chromium's own default, about a centimetre.
    fn default() -> Self {
        let edge = Length(0.4);
        Self {
            top: edge,
            right: edge,
            bottom: edge,
            left: edge,
        }
    }
}

impl<'de> Deserialize<'de> for Margins {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A side that is given must be a length: `null` is refused, as the schema says.
        fn given<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Length>, D::Error> {
            Length::deserialize(deserializer).map(Some)
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Sides {
            #[serde(default, deserialize_with = "given")]
            top: Option<Length>,
            #[serde(default, deserialize_with = "given")]
            right: Option<Length>,
            #[serde(default, deserialize_with = "given")]
            bottom: Option<Length>,
            #[serde(default, deserialize_with = "given")]
            left: Option<Length>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            All(Length),
            Sides(Sides),
        }
        let defaults = Self::default();
        match Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom(
                "expected a length for all sides or an object with top, right, bottom and left",
            )
        })? {
            Raw::All(edge) => Ok(Self {
                top: edge,
                right: edge,
                bottom: edge,
                left: edge,
            }),
            Raw::Sides(sides) => Ok(Self {
                top: sides.top.unwrap_or(defaults.top),
                right: sides.right.unwrap_or(defaults.right),
                bottom: sides.bottom.unwrap_or(defaults.bottom),
                left: sides.left.unwrap_or(defaults.left),
            }),
        }
    }
}
