//! Links in emails: the confirmation link and the manage link, each a token signed by the collector
//! (`base64url(canonical claims).base64url(Ed25519 signature)`, like challenges) and expiring.

use consent::protocol::ProblemType;
use consent::signature::{CollectorKey, CollectorPublicKey};
use serde::{Deserialize, Serialize};

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Confirm one pending record.
    Confirm,
    /// See, change, download and erase everything held about the subject of a record.
    Manage,
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
}

/// How long a manage link stays valid (a fresh one can be asked for with `POST /v1/access`).
pub const MANAGE_LINK_DAYS: i64 = 90;

/// Signs a link token.
pub fn sign(key: &CollectorKey, link: LinkKind, site: &str, record_id: &str, now_ms: i64, days: i64) -> String {
    let iat = now_ms / 1000;
    let claims =
        LinkClaims { link, site: site.to_owned(), record_id: record_id.to_owned(), iat, exp: iat + days * 86_400 };
    // Only strings and integers: signing cannot fail.
    key.sign_token(&claims).unwrap_or_default()
}

/// Opens a link token of the expected kind, unexpired.
pub fn open(key: &CollectorPublicKey, token: &str, link: LinkKind, now_ms: i64) -> Result<LinkClaims, ProblemType> {
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
    };
    format!("{}/{path}/{token}", public_url.trim_end_matches('/'))
}
