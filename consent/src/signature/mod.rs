//! Where signatures are made and checked: the alumnus' device key (ECDSA P-256, as WebCrypto signs) and the
//! collector's key (Ed25519, for challenge tokens, manage links and receipts).

mod collector_key;
mod device;
mod submission;

pub use collector_key::verify_receipt_self_contained;
pub use collector_key::{CollectorKey, CollectorPublicKey, TokenError};
pub use device::{DeviceSignatureError, verify_device_signature};
pub use submission::{SignedByDevice, VerifiedMessage, VerifyError, open_envelope};
