//! One ledger event and its hash.
//!
//! The hash of an event is SHA-256 over the RFC 8785 bytes of the event (which include `prev_hash`), in
//! lowercase hex. Events carry no personal data: the data sit beside the chain and the event holds their hash.

use crate::storage::StoredEvent;
use consent::canonical::{CanonicalError, to_canonical_string};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to a record or subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A signed submission was accepted (pending until confirmed).
    Submitted,
    /// The subject followed the confirmation link.
    Confirmed,
    /// The subject changed one or more choices.
    Changed,
    /// The subject withdrew consent from every purpose.
    Withdrawn,
    /// The subject's personal data were erased on request (art. 17).
    Erased,
    /// A pending record was not confirmed in time, or a retention period ran out.
    Expired,
    /// A person was brought in from a school's list (`collector import`): held under the site's soft opt-in
    /// purposes only, never a consent. Names the source, the file's SHA-256 and the line.
    Imported,
    /// A consent given before the collector (a paper form, an older site), brought in with its evidence: counted
    /// and exported apart, "à reconfirmer", never an ordinary confirmed consent.
    Legacy,
    /// The subject corrected their data (art. 16) on the manage page: names the fields changed (never their
    /// values) and holds the SHA-256 of the record's new held data.
    Rectified,
    /// The subject objected to the messages of a basis (soft opt-in, or the reconfirmation of a consent from
    /// before), by the one-click link of a campaign's message: names the basis, purposes and campaign.
    Objected,
}

impl EventKind {
    /// The name used in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Confirmed => "confirmed",
            EventKind::Changed => "changed",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Erased => "erased",
            EventKind::Expired => "expired",
            EventKind::Imported => "imported",
            EventKind::Legacy => "legacy",
            EventKind::Rectified => "rectified",
            EventKind::Objected => "objected",
        }
    }
}

/// A ledger event, exactly as hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Position in the chain, from 1.
    pub seq: u64,
    /// The previous event's hash ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// What happened.
    pub kind: EventKind,
    /// When the collector recorded it, RFC 3339 UTC.
    pub at: String,
    /// The site.
    pub site: String,
    /// The subject (a random id, never the email).
    pub subject_id: String,
    /// The record concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// SHA-256 of the signed message bytes that caused the event, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
    /// SHA-256 of the personal data stored beside the chain for this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_sha256: Option<String>,
    /// Facts without personal data: CTA, notice version, choices, how the event came (`via`), why (`reason`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub detail: BTreeMap<String, serde_json::Value>,
}

impl Event {
    /// The canonical text that is stored and hashed.
    pub fn canonical(&self) -> Result<String, CanonicalError> {
        to_canonical_string(self)
    }

    /// The notice version this event itself names (`detail.notice_version`): the one shown with the form of a
    /// `submitted` event, or with the manage page of a `changed` event. `None` for the other kinds, for a change
    /// by the device's signed action, and for `changed` events written before changes named their notice (the
    /// field is optional, so those ledgers still read and verify): such an event stands under its record's
    /// notice version.
    pub fn notice_version(&self) -> Option<&str> {
        self.detail.get("notice_version").and_then(serde_json::Value::as_str)
    }

    /// The notice version this event is credited to: its own, else `record_version` (its record's).
    pub fn notice_version_or<'a>(&'a self, record_version: Option<&'a str>) -> Option<&'a str> {
        self.notice_version().or(record_version)
    }
}

/// SHA-256 in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// The stored form is the storage layer's row type; sealing an event into it is the ledger's business.
impl StoredEvent {
    /// Seals an event: canonical body and hash.
    pub fn seal(event: &Event) -> Result<StoredEvent, CanonicalError> {
        let body = event.canonical()?;
        Ok(StoredEvent { seq: event.seq, hash: sha256_hex(body.as_bytes()), body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_every_field() {
        let e = Event {
            seq: 1,
            prev_hash: GENESIS_HASH.into(),
            kind: EventKind::Submitted,
            at: "2026-11-29T08:00:00.000Z".into(),
            site: "s".into(),
            subject_id: "sub".into(),
            record_id: Some("rec".into()),
            payload_sha256: Some("ab".into()),
            data_sha256: None,
            detail: BTreeMap::new(),
        };
        let a = StoredEvent::seal(&e).unwrap();
        assert_eq!(
            a.body,
            r#"{"at":"2026-11-29T08:00:00.000Z","kind":"submitted","payload_sha256":"ab","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","record_id":"rec","seq":1,"site":"s","subject_id":"sub"}"#
        );
        let mut f = e.clone();
        f.kind = EventKind::Confirmed;
        assert_ne!(a.hash, StoredEvent::seal(&f).unwrap().hash);
    }

    #[test]
    fn a_change_names_its_notice_and_an_older_one_falls_back_to_its_records() {
        // A `changed` event as written before changes named their notice: it still reads, under the record's.
        let old: Event = serde_json::from_str(
            r#"{"at":"2026-11-29T08:00:00.000Z","detail":{"choices":{"jobs":false},"via":"manage_link"},"kind":"changed","prev_hash":"00","record_id":"rec","seq":3,"site":"s","subject_id":"sub"}"#,
        )
        .unwrap();
        assert_eq!(old.notice_version(), None);
        assert_eq!(old.notice_version_or(Some("v1")), Some("v1"));
        let mut new = old.clone();
        new.detail.insert("notice_version".into(), serde_json::json!("v2"));
        assert_eq!(new.notice_version_or(Some("v1")), Some("v2"));
        assert!(StoredEvent::seal(&new).unwrap().body.contains(r#""notice_version":"v2""#));
    }
}
