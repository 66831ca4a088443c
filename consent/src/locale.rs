//! Locales (French first, English second) and texts given in each.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A locale every screen and message exists in. French is the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Français, the default.
    Fr,
    /// English.
    En,
}

impl Locale {
    /// Every supported locale, French first.
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }

    /// Picks the locale for a language tag such as `en-GB` or `fr`; anything else is French.
    pub fn from_tag(tag: &str) -> Locale {
        if tag.trim().to_ascii_lowercase().starts_with("en") { Locale::En } else { Locale::Fr }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// A text in several locales; French is always present and is the fallback.
///
/// In `consent.toml` it is either a table (`{ fr = "…", en = "…" }`) or a plain string, taken as French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<Locale, String>);

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a text: \"…\" or { fr = \"…\", en = \"…\" }")]
        enum Text {
            Plain(String),
            PerLocale(BTreeMap<Locale, String>),
        }
        Ok(match Text::deserialize(deserializer)? {
            Text::Plain(fr) => Localized(BTreeMap::from([(Locale::Fr, fr)])),
            Text::PerLocale(map) => Localized(map),
        })
    }
}

impl Localized {
    /// A text given in French and English.
    pub fn new(fr: &str, en: &str) -> Self {
        Localized(BTreeMap::from([(Locale::Fr, fr.to_owned()), (Locale::En, en.to_owned())]))
    }

    /// Whether a non-blank text is given for `locale`.
    pub fn has(&self, locale: Locale) -> bool {
        self.0.get(&locale).is_some_and(|s| !s.trim().is_empty())
    }

    /// The text in `locale`, or in French when that locale is missing.
    pub fn get(&self, locale: Locale) -> &str {
        self.0.get(&locale).or_else(|| self.0.get(&Locale::Fr)).or_else(|| self.0.values().next()).map_or("", |s| s)
    }
}
