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
        // A hand-written visitor rather than an untagged enum: untagged enums buffer the value in serde's private
        // `Content` type, which brings a second copy of every reader into the widget's WebAssembly bundle. Same
        // inputs accepted; a wrong entry inside a table is now reported as itself (e.g. an unknown locale).
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = Localized;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text: \"…\" or { fr = \"…\", en = \"…\" }")
            }

            fn visit_str<E: serde::de::Error>(self, fr: &str) -> Result<Localized, E> {
                Ok(Localized(BTreeMap::from([(Locale::Fr, fr.to_owned())])))
            }

            fn visit_string<E: serde::de::Error>(self, fr: String) -> Result<Localized, E> {
                Ok(Localized(BTreeMap::from([(Locale::Fr, fr)])))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Localized, A::Error> {
                let mut texts = BTreeMap::new();
                while let Some((locale, text)) = map.next_entry::<Locale, String>()? {
                    // Like the `BTreeMap` the untagged enum read: a repeated locale keeps the last text.
                    texts.insert(locale, text);
                }
                Ok(Localized(texts))
            }
        }
        deserializer.deserialize_any(Text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_a_plain_string_taken_as_french_or_a_table_per_locale() {
        let plain: Localized = serde_json::from_str(r#""Bonjour""#).unwrap();
        assert_eq!(plain, Localized(BTreeMap::from([(Locale::Fr, "Bonjour".to_owned())])));
        let both: Localized = serde_json::from_str(r#"{"en": "Hello", "fr": "Bonjour"}"#).unwrap();
        assert_eq!(both, Localized::new("Bonjour", "Hello"));
        let empty: Localized = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Localized::default());
        // What the widget reads back is what the collector wrote.
        let written = serde_json::to_string(&both).unwrap();
        assert_eq!(serde_json::from_str::<Localized>(&written).unwrap(), both);
    }

    #[test]
    fn anything_else_is_refused_with_what_a_text_looks_like() {
        for bad in ["3", "true", r#"["Bonjour"]"#, "null"] {
            let error = serde_json::from_str::<Localized>(bad).unwrap_err().to_string();
            assert!(error.contains(r#"a text: "…" or { fr = "…", en = "…" }"#), "{bad}: {error}");
        }
        let error = serde_json::from_str::<Localized>(r#"{"de": "Hallo"}"#).unwrap_err().to_string();
        assert!(error.contains("unknown variant `de`"), "{error}");
        assert!(serde_json::from_str::<Localized>(r#"{"fr": 3}"#).is_err());
    }
}
