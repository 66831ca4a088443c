//! Collector-signed tokens: the challenge of DESIGN §6 and any other short-lived claim (manage links).
//!
//! A token is `base64url(canonical JSON claims) "." base64url(Ed25519 signature over those JSON bytes)`.
//! Parsing lives here; checking the signature lives in [`crate::signature`].

use super::{b64url_decode, b64url_encode};
use crate::ids::SiteId;
use serde::{Deserialize, Serialize};

/// What a challenge token asserts: a nonce for one site and notice version, valid from `iat` to `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeClaims {
    /// The site it is for.
    pub site: SiteId,
    /// The notice version current when it was issued.
    pub notice_version: String,
    /// 128 random bits, base64url; single use.
    pub nonce: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
}

/// A token split into its signed bytes and signature: `kid.claims.signature`, or `claims.signature` as tokens
/// were before key ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedToken {
    /// The id of the key that signed it (it picks the key; the signature, not the id, proves who signed).
    pub kid: Option<String>,
    /// The claims' canonical JSON bytes (what was signed).
    pub claims_json: Vec<u8>,
    /// The 64-byte Ed25519 signature.
    pub signature: Vec<u8>,
}

/// A token that is not `claims.signature` in base64url.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed token: {0}")]
pub struct TokenFormatError(pub &'static str);

impl SignedToken {
    /// Splits and decodes `text`.
    pub fn parse(text: &str) -> Result<SignedToken, TokenFormatError> {
        if text.len() > 2048 {
            return Err(TokenFormatError("too long"));
        }
        let (first, rest) = text.split_once('.').ok_or(TokenFormatError("no `.` separator"))?;
        let (kid, claims, signature) = match rest.split_once('.') {
            Some((claims, signature)) => (Some(first), claims, signature),
            None => (None, first, rest),
        };
        if kid.is_some_and(|k| k.is_empty() || k.len() > 43 || b64url_decode(k).is_err()) {
            return Err(TokenFormatError("key id is not base64url"));
        }
        let claims_json = b64url_decode(claims).map_err(|_| TokenFormatError("claims are not base64url"))?;
        let signature = b64url_decode(signature).map_err(|_| TokenFormatError("signature is not base64url"))?;
        if signature.len() != 64 {
            return Err(TokenFormatError("signature is not 64 bytes"));
        }
        Ok(SignedToken { kid: kid.map(str::to_owned), claims_json, signature })
    }

    /// Joins claims and signature into the token text, without a key id (the form of tokens before key ids).
    pub fn encode(claims_json: &[u8], signature: &[u8]) -> String {
        format!("{}.{}", b64url_encode(claims_json), b64url_encode(signature))
    }

    /// Joins key id, claims and signature into the token text.
    pub fn encode_with_kid(kid: &str, claims_json: &[u8], signature: &[u8]) -> String {
        format!("{kid}.{}", SignedToken::encode(claims_json, signature))
    }

    /// Reads the claims without checking the signature (the widget does this to learn `exp`; servers never).
    pub fn claims_unverified<T: serde::de::DeserializeOwned>(&self) -> Result<T, TokenFormatError> {
        serde_json::from_slice(&self.claims_json).map_err(|_| TokenFormatError("claims are not the expected JSON"))
    }
}
