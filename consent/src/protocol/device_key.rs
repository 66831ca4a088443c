//! The device key's public half, as WebCrypto exports it (JWK, RFC 7517).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An EC P-256 public key in JWK form: `{"crv":"P-256","kty":"EC","x":"…","y":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jwk {
    /// Always `EC`.
    pub kty: String,
    /// Always `P-256`.
    pub crv: String,
    /// The x coordinate, base64url without padding (32 bytes).
    pub x: String,
    /// The y coordinate, base64url without padding (32 bytes).
    pub y: String,
}

impl Jwk {
    /// The RFC 7638 thumbprint (SHA-256, base64url): a stable id for the device, never secret.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(r#"{{"crv":"{}","kty":"{}","x":"{}","y":"{}"}}"#, self.crv, self.kty, self.x, self.y);
        super::b64url_encode(&Sha256::digest(canonical.as_bytes()))
    }

    /// The uncompressed SEC1 point (`04 ‖ x ‖ y`), or `None` if this is not a well-formed P-256 JWK.
    pub fn sec1_uncompressed(&self) -> Option<[u8; 65]> {
        if self.kty != "EC" || self.crv != "P-256" {
            return None;
        }
        let x = super::b64url_decode(&self.x).ok()?;
        let y = super::b64url_decode(&self.y).ok()?;
        if x.len() != 32 || y.len() != 32 {
            return None;
        }
        let mut point = [0u8; 65];
        point[0] = 4;
        point[1..33].copy_from_slice(&x);
        point[33..].copy_from_slice(&y);
        Some(point)
    }
}
