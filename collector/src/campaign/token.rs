//! The objection link of a campaign's message: a token signed by the collector naming the recipient's queue row.
//! It does not expire — an objection must stay possible for as long as the message can be read — and is told
//! apart from the email links ([`crate::links`]) by its claims: neither kind parses as the other.

use crate::keys::KeySet;
use consent::signature::CollectorKey;
use serde::{Deserialize, Serialize};

/// The claims of an objection token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectionClaims {
    /// The recipient's queue row.
    pub objection: i64,
    /// The campaign.
    pub campaign: String,
    /// The site.
    pub site: String,
    /// Issued, Unix seconds.
    pub iat: i64,
}

/// Signs the objection token of one recipient.
pub fn sign(key: &CollectorKey, recipient: i64, campaign: &str, site: &str, now_ms: i64) -> String {
    let claims = ObjectionClaims {
        objection: recipient,
        campaign: campaign.to_owned(),
        site: site.to_owned(),
        iat: now_ms / 1000,
    };
    // Only strings and integers: signing cannot fail.
    key.sign_token(&claims).unwrap_or_default()
}

/// Opens an objection token signed by a key of the set.
pub fn open(key: &KeySet, token: &str) -> Option<ObjectionClaims> {
    key.verify_token(token).ok()
}

/// The link's absolute URL.
pub fn url(public_url: &str, token: &str) -> String {
    format!("{}/objection/{token}", public_url.trim_end_matches('/'))
}
