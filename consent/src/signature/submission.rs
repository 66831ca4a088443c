//! Opening a signed envelope: canonical form, shape, then the device signature — cheapest first.

use super::device::{DeviceSignatureError, verify_device_signature};
use crate::canonical::{CanonicalError, ensure_canonical};
use crate::protocol::{Jwk, PROTOCOL_VERSION, ProblemType, SignedEnvelope};
use serde::de::DeserializeOwned;

/// Why an envelope was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The payload is not JSON, or not canonical.
    #[error("payload: {0}")]
    Canonical(#[from] CanonicalError),
    /// The payload is JSON but not the expected message.
    #[error("payload shape: {0}")]
    Shape(String),
    /// The payload's `v` is not 1.
    #[error("unsupported protocol version")]
    Version,
    /// The signature does not verify.
    #[error(transparent)]
    Signature(#[from] DeviceSignatureError),
}

impl VerifyError {
    /// The problem type the collector answers with.
    pub fn problem(&self) -> ProblemType {
        match self {
            VerifyError::Canonical(_) | VerifyError::Shape(_) => ProblemType::Malformed,
            VerifyError::Version => ProblemType::UnsupportedVersion,
            VerifyError::Signature(_) => ProblemType::BadSignature,
        }
    }
}

/// A message whose device signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedMessage<T> {
    /// The parsed payload.
    pub payload: T,
    /// The exact bytes that were signed.
    pub bytes: Vec<u8>,
}

/// Messages that carry their protocol version and the device key that signed them.
pub trait SignedByDevice {
    /// The protocol version.
    fn version(&self) -> u32;
    /// The device key.
    fn device_key(&self) -> &Jwk;
}

impl SignedByDevice for crate::protocol::SubmissionPayload {
    fn version(&self) -> u32 {
        self.v
    }
    fn device_key(&self) -> &Jwk {
        &self.device_key
    }
}

impl SignedByDevice for crate::protocol::ActionPayload {
    fn version(&self) -> u32 {
        self.v
    }
    fn device_key(&self) -> &Jwk {
        &self.device_key
    }
}

/// Checks that the payload is canonical, parses it, and verifies the signature with the key it carries.
/// (Whether that key may act on a given record is the collector's check.)
pub fn open_envelope<T: DeserializeOwned + SignedByDevice>(
    envelope: &SignedEnvelope,
) -> Result<VerifiedMessage<T>, VerifyError> {
    let value = ensure_canonical(&envelope.payload)?;
    if value.get("v").and_then(serde_json::Value::as_u64) != Some(u64::from(PROTOCOL_VERSION)) {
        return Err(if value.get("v").is_some() {
            VerifyError::Version
        } else {
            VerifyError::Shape("missing `v`".into())
        });
    }
    let payload: T = serde_json::from_value(value).map_err(|e| VerifyError::Shape(e.to_string()))?;
    verify_device_signature(payload.device_key(), envelope.payload.as_bytes(), &envelope.signature)?;
    Ok(VerifiedMessage { payload, bytes: envelope.payload.as_bytes().to_vec() })
}
