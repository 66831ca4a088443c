//! Objections (CPCE L.34-5, GDPR art. 21): a person written to under soft opt-in — or asked to reconfirm a
//! consent from before — says no more. One click of the message's `List-Unsubscribe` (RFC 8058) or of the button
//! on its confirmation page records it at once: the row that stops every later message of that basis to that
//! address (keyed by the address's hash, so that a re-import still meets it) and an `objected` ledger event,
//! in one transaction. The event names the basis, the purposes, the campaign and how it came; no personal data.

use super::{EventKind, Ledger, LedgerError};
use crate::campaign::store;
use serde_json::json;

/// An objection to record.
#[derive(Debug, Clone)]
pub struct NewObjection<'a> {
    /// The site.
    pub site: &'a str,
    /// The subject who objects.
    pub subject_id: &'a str,
    /// The record the message was about.
    pub record_id: Option<&'a str>,
    /// SHA-256 of their normalised address ([`store::email_key`]).
    pub email_sha256: &'a str,
    /// `soft_opt_in` or `legacy`.
    pub basis: &'a str,
    /// The purposes the messages of that basis served.
    pub purposes: &'a [String],
    /// The campaign whose message carried the link.
    pub campaign_id: Option<&'a str>,
    /// `list_unsubscribe` (the RFC 8058 POST) or `objection_page` (the button).
    pub via: &'a str,
}

impl Ledger {
    /// Records an objection and its `objected` event; `false` (and nothing written) if this address already
    /// objected to this basis: a second click changes nothing.
    pub fn object(&mut self, o: &NewObjection<'_>, now: i64) -> Result<bool, LedgerError> {
        let new =
            store::put_objection(self.store(), o.site, o.email_sha256, o.basis, o.subject_id, o.campaign_id, now)?;
        if !new {
            return Ok(false);
        }
        let mut event = Self::event(EventKind::Objected, now, o.site, o.subject_id, o.record_id);
        event.detail.insert("basis".into(), json!(o.basis));
        event.detail.insert("purposes".into(), json!(o.purposes));
        if let Some(campaign) = o.campaign_id {
            event.detail.insert("campaign".into(), json!(campaign));
        }
        event.detail.insert("via".into(), json!(o.via));
        self.append(event, now)?;
        Ok(true)
    }
}
