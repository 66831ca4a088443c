//! The notice: first layer (under the boxes) and second layer (the privacy policy), rendered for every locale
//! from the config, and the [`NoticeVersion`] that names them.
//!
//! Rendering is deterministic: the same config gives the same bytes, hence the same version, on every platform.
//! The collector stores each version's [`Notice::canonical_bytes`] once, forever — the copy of the information
//! shown that proves what alumni agreed to.

mod first_layer;
mod markdown;
mod second_layer;
mod version;

pub use version::NoticeVersion;

use crate::config::Config;
use crate::locale::{Locale, Localized};
use serde::Serialize;
use std::collections::BTreeMap;

/// Both layers in one locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layers {
    /// The first layer, plain text (paragraphs separated by a blank line).
    pub first: String,
    /// The second layer, CommonMark; every configured value in it is escaped.
    pub second: String,
}

/// The rendered notice of a config, in every locale, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    layers: BTreeMap<Locale, Layers>,
    version: NoticeVersion,
}

#[derive(Serialize)]
struct CanonicalNotice<'a> {
    v: u32,
    layers: &'a BTreeMap<Locale, Layers>,
}

impl Notice {
    /// Renders both layers in every locale and computes the version.
    pub fn render(config: &Config) -> Notice {
        let layers: BTreeMap<Locale, Layers> = Locale::ALL
            .iter()
            .map(|&l| (l, Layers { first: first_layer::render(config, l), second: second_layer::render(config, l) }))
            .collect();
        let version = NoticeVersion::of(&canonical(&layers));
        Notice { layers, version }
    }

    /// The notice version.
    pub fn version(&self) -> &NoticeVersion {
        &self.version
    }

    /// The first layer in `locale`.
    pub fn first_layer(&self, locale: Locale) -> &str {
        self.layers.get(&locale).map_or("", |l| l.first.as_str())
    }

    /// The second layer (CommonMark) in `locale`.
    pub fn second_layer(&self, locale: Locale) -> &str {
        self.layers.get(&locale).map_or("", |l| l.second.as_str())
    }

    /// The first layer in every locale.
    pub fn first_layer_all(&self) -> Localized {
        Localized(self.layers.iter().map(|(l, layers)| (*l, layers.first.clone())).collect())
    }

    /// The RFC 8785 bytes whose SHA-256 is the version: `{"layers":{"en":{…},"fr":{…}},"v":1}`.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical(&self.layers)
    }
}

fn canonical(layers: &BTreeMap<Locale, Layers>) -> Vec<u8> {
    // Only strings and integers: canonicalisation cannot fail.
    crate::canonical::to_canonical_vec(&CanonicalNotice { v: 1, layers }).unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
