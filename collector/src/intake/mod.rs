//! The checks a signed message goes through before anything is stored, cheapest first: client rate, size,
//! JSON shape, honeypot, site and CTA, origin, challenge (signature, expiry, reuse), notice version, device
//! signature, fields and choices, email rate. Each failure is one [`ProblemType`].

mod rate_limit;

pub use rate_limit::{ClientLimiter, RateLimiter, UsedNonces, client_network};

use crate::problem::ApiError;
use crate::sites::Site;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use consent::Locale;
use consent::protocol::{
    ActionPayload, ChallengeClaims, MAX_BODY_BYTES, PROTOCOL_VERSION, ProblemType, SignedEnvelope, SubmissionError,
    SubmissionPayload, check_choices, check_context, check_subject,
};
use consent::signature::{SignedByDevice, open_envelope};
use consent::vocabulary::FieldKind;
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use std::sync::Arc;

/// A submission that passed every check.
#[derive(Debug)]
pub struct CheckedSubmission {
    /// Its site.
    pub site: Arc<Site>,
    /// The payload.
    pub payload: SubmissionPayload,
    /// The envelope (exact signed text and signature).
    pub envelope: SignedEnvelope,
    /// The challenge nonce and its expiry (Unix ms).
    pub nonce: (String, i64),
    /// The normalised email.
    pub email: String,
}

/// A device action that passed every check (whether the device may act on the record is the ledger's check).
#[derive(Debug)]
pub struct CheckedAction {
    /// Its site.
    pub site: Arc<Site>,
    /// The payload.
    pub payload: ActionPayload,
    /// The envelope.
    pub envelope: SignedEnvelope,
    /// The challenge nonce and its expiry (Unix ms).
    pub nonce: (String, i64),
}

/// Normalises an email for lookups: trimmed, lowercase.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The per-email rate-limit key: a hash, so that the limiter holds no address.
fn email_key(email: &str) -> String {
    crate::ledger::sha256_hex(email.as_bytes())[..32].to_owned()
}

struct Opened<T> {
    site: Arc<Site>,
    payload: T,
    envelope: SignedEnvelope,
    nonce: (String, i64),
    locale: Locale,
}

/// What the shared checks need to know of a message.
trait ClientMessage: DeserializeOwned + SignedByDevice {
    fn site(&self) -> &str;
    fn challenge(&self) -> &str;
    /// The message's own locale, if it carries one.
    fn locale(&self) -> Option<Locale> {
        None
    }
    /// Checks that depend on the site (the CTA exists).
    fn check_site(&self, _site: &Site) -> Result<(), ProblemType> {
        Ok(())
    }
}

impl ClientMessage for SubmissionPayload {
    fn site(&self) -> &str {
        self.site.as_str()
    }
    fn challenge(&self) -> &str {
        &self.challenge
    }
    fn locale(&self) -> Option<Locale> {
        Some(self.locale)
    }
    fn check_site(&self, site: &Site) -> Result<(), ProblemType> {
        site.widget.cta(self.cta.as_str()).map(|_| ()).ok_or(ProblemType::UnknownCta)
    }
}

impl ClientMessage for ActionPayload {
    fn site(&self) -> &str {
        self.site.as_str()
    }
    fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// The part both messages share: from raw bytes to a payload of a known site with a valid challenge.
fn open_message<T: ClientMessage>(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Opened<T>, ApiError> {
    let mut locale = crate::problem::locale_of(headers);
    let fail = |kind: ProblemType, locale: Locale| ApiError::new(kind, locale);
    let now = state.now();
    if !state.ip_limit.allow(ip, now) {
        return Err(fail(ProblemType::RateLimited, locale));
    }
    let body = body.map_err(|e| {
        let kind =
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE { ProblemType::TooLarge } else { ProblemType::Malformed };
        fail(kind, locale)
    })?;
    if body.len() > MAX_BODY_BYTES {
        return Err(fail(ProblemType::TooLarge, locale));
    }
    let envelope: SignedEnvelope = serde_json::from_slice(&body).map_err(|_| fail(ProblemType::Malformed, locale))?;
    if envelope.hp.as_deref().is_some_and(|hp| !hp.is_empty()) {
        return Err(fail(ProblemType::Honeypot, locale));
    }
    let value: serde_json::Value =
        serde_json::from_str(&envelope.payload).map_err(|_| fail(ProblemType::Malformed, locale))?;
    match value.get("v").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(_) => return Err(fail(ProblemType::UnsupportedVersion, locale)),
        None => return Err(fail(ProblemType::Malformed, locale)),
    }
    let payload: T = serde_json::from_value(value).map_err(|_| fail(ProblemType::Malformed, locale))?;
    locale = payload.locale().unwrap_or(locale);
    let site = state.sites.get(payload.site()).ok_or(fail(ProblemType::UnknownSite, locale))?.clone();
    payload.check_site(&site).map_err(|kind| fail(kind, locale))?;
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()).unwrap_or("");
    if !site.allows_origin(origin) {
        return Err(fail(ProblemType::OriginNotAllowed, locale));
    }
    let claims: ChallengeClaims =
        state.keys.verify_token(payload.challenge()).map_err(|_| fail(ProblemType::ChallengeInvalid, locale))?;
    if claims.site.as_str() != payload.site() {
        return Err(fail(ProblemType::ChallengeInvalid, locale));
    }
    if claims.exp * 1000 < now {
        return Err(fail(ProblemType::ChallengeExpired, locale));
    }
    if state.used_nonces.contains(&claims.nonce) {
        return Err(fail(ProblemType::ChallengeReused, locale));
    }
    Ok(Opened { site, payload, envelope, nonce: (claims.nonce, claims.exp * 1000), locale })
}

fn verify_signature<T: DeserializeOwned + SignedByDevice>(
    envelope: &SignedEnvelope,
    locale: Locale,
) -> Result<(), ApiError> {
    open_envelope::<T>(envelope).map(|_| ()).map_err(|e| ApiError::new(e.problem(), locale))
}

/// Checks a submission.
pub fn check_submission(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<CheckedSubmission, ApiError> {
    let opened = open_message::<SubmissionPayload>(state, headers, ip, body)?;
    let Opened { site, payload, envelope, nonce, locale } = opened;
    let fail = |kind: ProblemType| ApiError::new(kind, locale);
    if payload.notice_version != site.notice.version().as_str() {
        return Err(fail(ProblemType::StaleNotice));
    }
    verify_signature::<SubmissionPayload>(&envelope, locale)?;
    let cta = site.widget.cta(payload.cta.as_str()).ok_or(fail(ProblemType::UnknownCta))?;
    let content = check_subject(&site.widget.fields, &payload.subject)
        .and_then(|()| check_choices(cta, &payload.choices, payload.privacy_ack))
        .and_then(|()| check_context(&payload.page_url, &payload.submitted_at));
    if let Err(e) = content {
        let mut error = fail(e.problem());
        if let SubmissionError::Fields(errors) = e {
            error.errors = errors;
        }
        return Err(error);
    }
    let email = site
        .widget
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Email)
        .and_then(|f| payload.subject.get(f.id.as_str()))
        .map(|e| normalise_email(e))
        .filter(|e| !e.is_empty())
        .ok_or(fail(ProblemType::InvalidField))?;
    if !state.email_limit.allow(&email_key(&email), state.now()) {
        return Err(fail(ProblemType::RateLimited));
    }
    Ok(CheckedSubmission { site, payload, envelope, nonce, email })
}

/// Checks a device action.
pub fn check_action(
    state: &AppState,
    headers: &HeaderMap,
    ip: IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<(CheckedAction, Locale), ApiError> {
    let opened = open_message::<ActionPayload>(state, headers, ip, body)?;
    let Opened { site, payload, envelope, nonce, locale } = opened;
    verify_signature::<ActionPayload>(&envelope, locale)?;
    Ok((CheckedAction { site, payload, envelope, nonce }, locale))
}

/// Counts a hit on the per-email limit (for `POST /v1/access`).
pub fn allow_email(state: &AppState, email: &str) -> bool {
    state.email_limit.allow(&email_key(email), state.now())
}
