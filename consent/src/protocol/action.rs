//! Messages a returning browser signs with its device key: change choices, withdraw, ask the status.

use super::Jwk;
use crate::ids::{RecordId, SiteId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the subject asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Replace the choices (every purpose of the record, true or false).
    Change {
        /// The new choices.
        choices: BTreeMap<String, bool>,
    },
    /// Withdraw consent from every purpose, in one click.
    Withdraw,
    /// Read the current state of the record(s) made with this device key.
    Status,
}

/// The signed body of `POST /v1/actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionPayload {
    /// Protocol version, 1.
    pub v: u32,
    /// The site.
    pub site: SiteId,
    /// The record acted on; for `status`, may be absent to mean "my latest record on this site".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<RecordId>,
    /// What is asked.
    pub action: Action,
    /// A fresh challenge token, so that an action cannot be replayed.
    pub challenge: String,
    /// When the browser sent it, RFC 3339.
    pub submitted_at: String,
    /// The device key that made the record: only it may act on it.
    pub device_key: Jwk,
}

/// The current state of a record, as answered to its device or shown on the manage page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    /// The record.
    pub record_id: RecordId,
    /// `pending`, `confirmed`, `withdrawn`, `expired` or `erased`.
    pub status: String,
    /// Current choice per purpose.
    pub choices: BTreeMap<String, bool>,
    /// When consent was first given, RFC 3339.
    pub given_at: String,
    /// When it last changed, RFC 3339.
    pub updated_at: String,
    /// The notice version shown when consent was given.
    pub notice_version: String,
}
