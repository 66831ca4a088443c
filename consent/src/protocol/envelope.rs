//! The signed envelope every client message travels in, and the base64url helpers.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// `{"payload": "<canonical JSON text>", "signature": "<base64url P1363>"}`.
///
/// The payload travels as a string so that the verifier checks the signature over the exact bytes signed;
/// it must also be in RFC 8785 canonical form. `hp` is the form's honeypot: humans never fill it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedEnvelope {
    /// The canonical JSON text of the payload.
    pub payload: String,
    /// ECDSA P-256 / SHA-256 over the payload's UTF-8 bytes, IEEE P1363 (r ‖ s, 64 bytes), base64url.
    pub signature: String,
    /// The honeypot field: must be absent or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hp: Option<String>,
}

/// Base64url without padding, as JWK and WebCrypto-based clients use.
pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text)
}
