//! The notice version: the SHA-256 of the notice's canonical bytes, in lowercase hex.

use sha2::{Digest, Sha256};
use std::fmt;

/// Names one exact text of both layers in every locale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoticeVersion(String);

impl NoticeVersion {
    /// The version of these canonical bytes.
    pub fn of(canonical_bytes: &[u8]) -> NoticeVersion {
        NoticeVersion(hex::encode(Sha256::digest(canonical_bytes)))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 digits, for display.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for NoticeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
