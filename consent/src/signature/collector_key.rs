//! The collector's Ed25519 key: it signs challenge tokens, manage links and receipts; anyone holding the public
//! key checks them offline.

use crate::canonical::to_canonical_vec;
use crate::protocol::{Receipt, ReceiptBody, SignedToken, b64url_decode, b64url_encode};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a token or receipt was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token at all.
    #[error(transparent)]
    Format(#[from] crate::protocol::TokenFormatError),
    /// The signature does not match.
    #[error("the signature does not match")]
    Signature,
    /// The claims are not the expected JSON.
    #[error("the claims are not the expected JSON")]
    Claims,
    /// The public key is not 32 bytes of base64url.
    #[error("the public key is not a 32-byte base64url Ed25519 key")]
    Key,
    /// The key id names no key held (or not the key given).
    #[error("the key id names no key of the collector")]
    Kid,
}

/// The collector's signing key. Made from 32 random bytes the caller provides (this crate does no I/O).
#[derive(Clone)]
pub struct CollectorKey(SigningKey);

impl std::fmt::Debug for CollectorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CollectorKey({})", self.public().to_base64url())
    }
}

/// The collector's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectorPublicKey(VerifyingKey);

impl CollectorKey {
    /// The key of this 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> CollectorKey {
        CollectorKey(SigningKey::from_bytes(&seed))
    }

    /// The seed, to store the key.
    pub fn to_seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half.
    pub fn public(&self) -> CollectorPublicKey {
        CollectorPublicKey(self.0.verifying_key())
    }

    /// Signs claims into a token `kid.base64url(canonical claims).base64url(signature)`.
    pub fn sign_token<T: Serialize>(&self, claims: &T) -> Result<String, crate::canonical::CanonicalError> {
        let bytes = to_canonical_vec(claims)?;
        let signature = self.0.sign(&bytes);
        Ok(SignedToken::encode_with_kid(&self.public().kid(), &bytes, &signature.to_bytes()))
    }

    /// Signs a receipt body.
    pub fn sign_receipt(&self, body: ReceiptBody) -> Result<Receipt, crate::canonical::CanonicalError> {
        let bytes = to_canonical_vec(&body)?;
        let signature = self.0.sign(&bytes);
        let public = self.public();
        Ok(Receipt {
            body,
            public_key: public.to_base64url(),
            kid: Some(public.kid()),
            signature: b64url_encode(&signature.to_bytes()),
        })
    }
}

impl CollectorPublicKey {
    /// Parses a base64url public key.
    pub fn from_base64url(text: &str) -> Result<CollectorPublicKey, TokenError> {
        let bytes: [u8; 32] = b64url_decode(text.trim()).ok().and_then(|b| b.try_into().ok()).ok_or(TokenError::Key)?;
        VerifyingKey::from_bytes(&bytes).map(CollectorPublicKey).map_err(|_| TokenError::Key)
    }

    /// The key as base64url (32 bytes).
    pub fn to_base64url(&self) -> String {
        b64url_encode(self.0.as_bytes())
    }

    /// The key id: the first 8 bytes of the SHA-256 of the 32-byte key, base64url (11 characters).
    pub fn kid(&self) -> String {
        use sha2::Digest;
        b64url_encode(&sha2::Sha256::digest(self.0.as_bytes())[..8])
    }

    /// Checks a token's signature and returns its claims (expiry is the caller's business: it owns the clock). A
    /// token naming another key id is refused; one without (issued before key ids) is checked against this key.
    pub fn verify_token<T: DeserializeOwned>(&self, token: &str) -> Result<T, TokenError> {
        let token = SignedToken::parse(token)?;
        if token.kid.as_ref().is_some_and(|kid| *kid != self.kid()) {
            return Err(TokenError::Kid);
        }
        let signature = Signature::from_slice(&token.signature).map_err(|_| TokenError::Signature)?;
        self.0.verify_strict(&token.claims_json, &signature).map_err(|_| TokenError::Signature)?;
        serde_json::from_slice(&token.claims_json).map_err(|_| TokenError::Claims)
    }

    /// Checks a receipt: signed by this key, over exactly its body.
    pub fn verify_receipt(&self, receipt: &Receipt) -> Result<(), TokenError> {
        if receipt.public_key != self.to_base64url() {
            return Err(TokenError::Key);
        }
        verify_receipt_self_contained(receipt)
    }
}

/// Checks a receipt against the public key it names (the caller still compares that key with the one it trusts).
pub fn verify_receipt_self_contained(receipt: &Receipt) -> Result<(), TokenError> {
    let key = CollectorPublicKey::from_base64url(&receipt.public_key)?;
    if receipt.kid.as_ref().is_some_and(|kid| *kid != key.kid()) {
        return Err(TokenError::Kid);
    }
    let bytes = to_canonical_vec(&receipt.body).map_err(|_| TokenError::Claims)?;
    let signature: [u8; 64] =
        b64url_decode(&receipt.signature).ok().and_then(|s| s.try_into().ok()).ok_or(TokenError::Signature)?;
    key.0.verify_strict(&bytes, &Signature::from_bytes(&signature)).map_err(|_| TokenError::Signature)
}
