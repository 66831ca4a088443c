//! The receipt: the collector's signed statement that a submission was durably recorded, checkable offline.

use crate::ids::RecordId;
use serde::{Deserialize, Serialize};

/// What the collector signs: which record, which payload bytes, where in the ledger, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    /// The record created.
    pub record_id: RecordId,
    /// SHA-256 of the signed payload bytes, lowercase hex.
    pub payload_sha256: String,
    /// The ledger event's sequence number.
    pub ledger_seq: u64,
    /// The hash of the previous ledger event, lowercase hex (64 zeros for the first).
    pub prev_hash: String,
    /// When the collector committed it, RFC 3339 UTC.
    pub received_at: String,
}

/// A signed receipt: `signature` is Ed25519 over the RFC 8785 bytes of `body`, by `public_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The signed statement.
    pub body: ReceiptBody,
    /// The collector's Ed25519 public key, base64url (32 bytes).
    pub public_key: String,
    /// That key's id ([`crate::signature::CollectorPublicKey::kid`]), to find it in the collector's key set;
    /// absent from receipts issued before key ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The signature, base64url (64 bytes).
    pub signature: String,
}

/// The `201 Created` answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionAccepted {
    /// The record created.
    pub record_id: RecordId,
    /// `pending` until the email is confirmed.
    pub status: String,
    /// The signed receipt.
    pub receipt: Receipt,
}
