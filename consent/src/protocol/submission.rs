//! The v1 submission payload: who, what they chose, under which notice, signed by their device key.

use super::Jwk;
use crate::ids::{CtaId, SiteId};
use crate::locale::Locale;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the widget signs when an alumnus submits the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionPayload {
    /// Protocol version, 1.
    pub v: u32,
    /// The site.
    pub site: SiteId,
    /// The CTA whose form was used.
    pub cta: CtaId,
    /// The page the form was on.
    pub page_url: String,
    /// The locale the form was shown in.
    pub locale: Locale,
    /// The notice version shown.
    pub notice_version: String,
    /// The challenge token from `GET /v1/challenge`.
    pub challenge: String,
    /// The subject's fields, by field id.
    pub subject: BTreeMap<String, String>,
    /// Every purpose shown, ticked (`true`) or not (`false`).
    pub choices: BTreeMap<String, bool>,
    /// « J'ai lu la politique de confidentialité ».
    pub privacy_ack: bool,
    /// When the browser submitted, RFC 3339 (informative; the collector's time is authoritative).
    pub submitted_at: String,
    /// The device's public key.
    pub device_key: Jwk,
}

impl SubmissionPayload {
    /// The canonical bytes to sign.
    pub fn to_canonical(&self) -> Result<String, crate::canonical::CanonicalError> {
        crate::canonical::to_canonical_string(self)
    }
}
