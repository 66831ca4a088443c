//! Identifier newtypes, so that a site, a purpose or a record id cannot be swapped by mistake.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    )*};
}

id_type! {
    /// A site: one controller's collection point, e.g. `ecole-exemple`.
    SiteId,
    /// A purpose (finalité), e.g. `community`, `jobs`, `events`.
    PurposeId,
    /// A call to action, e.g. `join`.
    CtaId,
    /// A form field, e.g. `promo`.
    FieldId,
    /// A consent record in the ledger.
    RecordId,
}

/// Whether `s` is a valid identifier: lowercase ASCII letters, digits, `-` and `_`, starting with a letter.
pub fn is_valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= 64
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
}
