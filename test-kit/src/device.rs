//! An alumnus' browser key: ECDSA P-256 with SHA-256, the public half as the JWK that
//! `crypto.subtle.exportKey("jwk")` gives (minus `ext`/`key_ops`), signatures in IEEE P1363 form (r ‖ s), as
//! WebCrypto makes them. Deterministic (RFC 6979) and from fixed seeds, so that documented examples are real bytes.

use consent::protocol::{Action, ActionPayload, Jwk, SignedEnvelope, SubmissionPayload, b64url_encode};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};

/// A device key pair.
pub struct Device {
    key: SigningKey,
    /// The public key as a JWK.
    pub jwk: Jwk,
}

impl Device {
    /// The device whose secret scalar is 32 times `seed` (seed 0 is not a valid key).
    pub fn new(seed: u8) -> Device {
        Device::from_secret([seed; 32])
    }

    /// The device of alumnus `n`, for suites that need more than 255 distinct keys.
    pub fn numbered(n: u64) -> Device {
        let mut secret = [0x5au8; 32];
        secret[24..].copy_from_slice(&n.to_be_bytes());
        Device::from_secret(secret)
    }

    /// The device of this secret scalar (big-endian).
    pub fn from_secret(secret: [u8; 32]) -> Device {
        let key = SigningKey::from_bytes(&secret.into()).unwrap_or_else(|e| panic!("not a P-256 secret: {e}"));
        let point = key.verifying_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| b64url_encode(c.map(|b| &b[..]).unwrap_or_default());
        let jwk = Jwk { kty: "EC".into(), crv: "P-256".into(), x: coordinate(point.x()), y: coordinate(point.y()) };
        Device { key, jwk }
    }

    /// The P1363 signature of `text`, base64url.
    pub fn sign(&self, text: &str) -> String {
        let signature: Signature = self.key.sign(text.as_bytes());
        b64url_encode(&signature.to_bytes())
    }

    /// A submission's canonical text, signed into an envelope.
    pub fn seal(&self, payload: &SubmissionPayload) -> SignedEnvelope {
        self.seal_text(payload.to_canonical().unwrap_or_else(|e| panic!("canonical submission: {e}")))
    }

    /// An action's canonical text, signed into an envelope.
    pub fn seal_action(&self, payload: &ActionPayload) -> SignedEnvelope {
        let text = consent::canonical::to_canonical_string(payload).unwrap_or_else(|e| panic!("canonical action: {e}"));
        self.seal_text(text)
    }

    /// An action of this device on the association example (`record_id` none: the device's latest record).
    pub fn action(&self, challenge: String, record_id: Option<&str>, action: Action) -> ActionPayload {
        ActionPayload {
            v: 1,
            site: crate::SITE.into(),
            record_id: record_id.map(Into::into),
            action,
            challenge,
            submitted_at: "2026-11-29T08:00:00.000Z".into(),
            device_key: self.jwk.clone(),
        }
    }

    /// Any text signed as the payload (for payloads that are deliberately not valid).
    pub fn seal_text(&self, text: String) -> SignedEnvelope {
        SignedEnvelope { signature: self.sign(&text), payload: text, hp: None }
    }
}

#[cfg(test)]
mod tests {
    use super::Device;

    #[test]
    fn signatures_verify_and_keys_differ() {
        let (a, b) = (Device::new(7), Device::numbered(7));
        assert_ne!(a.jwk.x, b.jwk.x);
        let signature = a.sign("message");
        assert_eq!(signature, a.sign("message"), "RFC 6979: deterministic");
        assert_eq!(consent::protocol::b64url_decode(&signature).map(|s| s.len()).ok(), Some(64), "P1363: r ‖ s");
    }
}
