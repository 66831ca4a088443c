//! Building and signing the protocol messages (DESIGN §6.4): payload → RFC 8785 canonical text (the one
//! canonicalisation of the `consent` crate) → ECDSA signature by the device key → `SignedEnvelope`.

use crate::device::DeviceKey;
use consent::protocol::{Action, ActionPayload, PROTOCOL_VERSION, SignedEnvelope, SubmissionPayload};
use consent::{CtaId, Locale, RecordId, SiteId};
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;

/// What the alumnus entered in the form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answers {
    /// Field id → trimmed value (empty optional fields are left out).
    pub subject: BTreeMap<String, String>,
    /// Every purpose shown → ticked or not.
    pub choices: BTreeMap<String, bool>,
    /// The privacy box.
    pub privacy_ack: bool,
}

/// Where the form is: site, CTA, page, locale and the notice version shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The site.
    pub site: String,
    /// The CTA.
    pub cta: String,
    /// The page address.
    pub page_url: String,
    /// The locale shown.
    pub locale: Locale,
    /// The notice version of the config shown.
    pub notice_version: String,
}

/// The current time, RFC 3339 UTC (informative: the collector's clock is authoritative).
pub fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// The submission payload for these answers (taken, not copied: one copy of the maps' code less in the bundle).
pub fn submission(context: &Context, answers: Answers, challenge: String, key: &DeviceKey) -> SubmissionPayload {
    SubmissionPayload {
        v: PROTOCOL_VERSION,
        site: SiteId(context.site.clone()),
        cta: CtaId(context.cta.clone()),
        page_url: context.page_url.clone(),
        locale: context.locale,
        notice_version: context.notice_version.clone(),
        challenge,
        subject: answers.subject,
        choices: answers.choices,
        privacy_ack: answers.privacy_ack,
        submitted_at: now_rfc3339(),
        device_key: key.jwk.clone(),
    }
}

/// An action payload (`change`, `withdraw`, `status`) on `record_id` of `site`.
pub fn action(
    site: &str,
    record_id: Option<&str>,
    action: Action,
    challenge: String,
    key: &DeviceKey,
) -> ActionPayload {
    ActionPayload {
        v: PROTOCOL_VERSION,
        site: SiteId(site.to_owned()),
        record_id: record_id.map(|r| RecordId(r.to_owned())),
        action,
        challenge,
        submitted_at: now_rfc3339(),
        device_key: key.jwk.clone(),
    }
}

/// Canonicalises and signs `payload`.
pub async fn seal<T: Serialize>(payload: &T, key: &DeviceKey) -> Result<SignedEnvelope, JsValue> {
    let text = consent::canonical::to_canonical_string_integral(payload).map_err(|_| JsValue::from_str("canonical"))?;
    let signature = key.sign(text.as_bytes()).await?;
    Ok(SignedEnvelope { payload: text, signature, hp: None })
}
