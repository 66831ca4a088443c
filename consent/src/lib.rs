//! The alumni consent domain, shared by the widget, the collector and the site-kit.
//!
//! Everything the law asks the controller to say comes from one `consent.toml`, parsed and validated into a
//! [`Config`]; the [`Notice`] (first and second layer, every locale) is rendered from it and hashed into a
//! [`NoticeVersion`]. The v1 protocol messages ([`protocol`]) are canonicalised with RFC 8785
//! ([`canonical`]) and signed: ECDSA P-256 by the alumnus' device key, Ed25519 by the collector for
//! challenge tokens and receipts ([`signature`]).
//!
//! This crate performs no I/O and builds for `wasm32-unknown-unknown`. Features: `config` (parse
//! `consent.toml`, render notices), `verify` (signature checks), `ring` (faster P-256 checks on servers).
#![deny(missing_docs)]

pub mod canonical;
pub mod ids;
pub mod insertion;
pub mod locale;
pub mod protocol;
pub mod regime;
pub mod vocabulary;

#[cfg(feature = "config")]
pub mod config;
#[cfg(feature = "dates")]
pub mod dates;
#[cfg(feature = "config")]
pub mod notice;
#[cfg(feature = "verify")]
pub mod signature;

pub use ids::{CtaId, FieldId, PurposeId, RecordId, SiteId};
pub use locale::{Locale, Localized};
pub use regime::{LegalBasis, Regime};

#[cfg(feature = "config")]
pub use config::{Config, ConfigError, Diagnostic};
#[cfg(feature = "config")]
pub use notice::{Notice, NoticeVersion};
