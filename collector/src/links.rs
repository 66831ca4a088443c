//! Links in emails: the confirmation link and the manage link, each a token signed by the collector
//! (`base64url(canonical claims).base64url(Ed25519 signature)`, like challenges) and expiring.

use crate::keys::KeySet;
use consent::protocol::ProblemType;
use consent::signature::CollectorKey;
use serde::{Deserialize, Serialize};

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Confirm one pending record.
    Confirm,
    /// See, change, download and erase everything held about the subject of a record.
    Manage,
    /// Confirm a new email address for the subject of a record (rectification, art. 16): sent to that address,
    /// which the claims name.
    Address,
}

/// The claims of a link token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkClaims {
    /// What the link is for.
    pub link: LinkKind,
    /// The site.
    pub site: String,
    /// The record (the manage link reaches its subject).
    pub record_id: String,
    /// Issued, Unix seconds.
    pub iat: i64,
    /// Expires, Unix seconds.
    pub exp: i64,
    /// For an [`LinkKind::Address`] link, the new address (the link goes only to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// How long a manage link stays valid (a fresh one can be asked for with `POST /v1/access`).
pub const MANAGE_LINK_DAYS: i64 = 90;

/// Signs a link token.
pub fn sign(key: &CollectorKey, link: LinkKind, site: &str, record_id: &str, now_ms: i64, days: i64) -> String {
    let iat = now_ms / 1000;
    let claims = LinkClaims {
        link,
        site: site.to_owned(),
        record_id: record_id.to_owned(),
        iat,
        exp: iat + days * 86_400,
        email: None,
    };
    // Only strings and integers: signing cannot fail.
    key.sign_token(&claims).unwrap_or_default()
}

/// How long the link confirming a new address stays valid.
pub const ADDRESS_LINK_DAYS: i64 = 2;

/// Signs the link that confirms `email` as the new address of the subject of `record_id`.
pub fn sign_address(key: &CollectorKey, site: &str, record_id: &str, email: &str, now_ms: i64) -> String {
    let iat = now_ms / 1000;
    let claims = LinkClaims {
        link: LinkKind::Address,
        site: site.to_owned(),
        record_id: record_id.to_owned(),
        iat,
        exp: iat + ADDRESS_LINK_DAYS * 86_400,
        email: Some(email.to_owned()),
    };
    key.sign_token(&claims).unwrap_or_default()
}

/// Opens a link token of the expected kind, unexpired, signed by a key of the set.
pub fn open(key: &KeySet, token: &str, link: LinkKind, now_ms: i64) -> Result<LinkClaims, ProblemType> {
    let claims: LinkClaims = key.verify_token(token).map_err(|_| ProblemType::InvalidLink)?;
    if claims.link != link || claims.exp * 1000 < now_ms {
        return Err(ProblemType::InvalidLink);
    }
    Ok(claims)
}

/// The absolute URL of a link.
pub fn url(public_url: &str, link: LinkKind, token: &str) -> String {
    let path = match link {
        LinkKind::Confirm => "confirm",
        LinkKind::Manage => "manage",
        LinkKind::Address => "address",
    };
    format!("{}/{path}/{token}", public_url.trim_end_matches('/'))
}
