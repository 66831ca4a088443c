//! The key set: the collector's current key and the keys it retired, each known by its id (`kid`). The current key
//! signs; any key of the set checks what it signed, so that a rotation keeps old receipts and links valid.

use consent::protocol::{Receipt, SignedToken};
use consent::signature::{CollectorPublicKey, TokenError};
use serde::de::DeserializeOwned;

/// The public keys that check tokens and receipts: the current one first, then the retired ones, newest first.
#[derive(Debug, Clone)]
pub struct KeySet {
    keys: Vec<(String, CollectorPublicKey)>,
}

impl KeySet {
    /// The set of `current` and the `retired` keys (newest first); a retired key equal to the current one, or
    /// listed twice, is kept once.
    pub fn new(current: CollectorPublicKey, retired: impl IntoIterator<Item = CollectorPublicKey>) -> KeySet {
        let mut keys: Vec<(String, CollectorPublicKey)> = vec![(current.kid(), current)];
        for key in retired {
            let kid = key.kid();
            if !keys.iter().any(|(k, _)| *k == kid) {
                keys.push((kid, key));
            }
        }
        KeySet { keys }
    }

    /// The current key (the one the collector signs with).
    pub fn current(&self) -> &CollectorPublicKey {
        &self.keys[0].1
    }

    /// Every key with its id, the current one first.
    pub fn all(&self) -> impl Iterator<Item = (&str, &CollectorPublicKey)> {
        self.keys.iter().map(|(kid, key)| (kid.as_str(), key))
    }

    /// The key of this id.
    pub fn by_kid(&self, kid: &str) -> Option<&CollectorPublicKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
    }

    /// Checks a token and returns its claims. A token naming its key is checked against that key only (an
    /// unknown id is refused); one without (issued before key ids) against each key in turn, the current first.
    pub fn verify_token<T: DeserializeOwned>(&self, token: &str) -> Result<T, TokenError> {
        match SignedToken::parse(token)?.kid {
            Some(kid) => self.by_kid(&kid).ok_or(TokenError::Kid)?.verify_token(token),
            None => {
                let mut first = None;
                for (_, key) in &self.keys {
                    match key.verify_token(token) {
                        Ok(claims) => return Ok(claims),
                        Err(e) => first = first.or(Some(e)),
                    }
                }
                Err(first.unwrap_or(TokenError::Signature))
            }
        }
    }

    /// Checks a receipt: signed by a key of the set (the one its `kid` names, when it names one).
    pub fn verify_receipt(&self, receipt: &Receipt) -> Result<(), TokenError> {
        let key = match &receipt.kid {
            Some(kid) => self.by_kid(kid).ok_or(TokenError::Kid)?,
            None => self
                .keys
                .iter()
                .map(|(_, key)| key)
                .find(|k| k.to_base64url() == receipt.public_key)
                .ok_or(TokenError::Key)?,
        };
        key.verify_receipt(receipt)
    }

    /// The set as a JSON Web Key Set (RFC 7517, Ed25519 keys as in RFC 8037), the current key first.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .all()
            .map(|(kid, key)| {
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": key.to_base64url(), "kid": kid, "use": "sig", "alg": "EdDSA"})
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consent::protocol::ChallengeClaims;
    use consent::signature::CollectorKey;

    fn claims() -> ChallengeClaims {
        ChallengeClaims { site: "s".into(), notice_version: "v".into(), nonce: "n".into(), iat: 1, exp: 2 }
    }

    #[test]
    fn each_key_checks_what_it_signed_and_an_unknown_kid_is_refused() {
        let [old, new, stranger] = [[1u8; 32], [2u8; 32], [3u8; 32]].map(CollectorKey::from_seed);
        let set = KeySet::new(new.public(), [old.public(), new.public()]);
        assert_eq!(set.all().count(), 2, "the current key is not listed twice");
        assert_eq!(set.current(), &new.public());
        let by_old = old.sign_token(&claims()).unwrap();
        assert_eq!(set.verify_token::<ChallengeClaims>(&by_old).unwrap(), claims());
        // Issued before key ids: the key that made it is found by trying each.
        let unkeyed = by_old.split_once('.').unwrap().1;
        assert_eq!(set.verify_token::<ChallengeClaims>(unkeyed).unwrap(), claims());
        // A real kid on another key's token: that key's check fails, no other key is tried.
        let swapped = format!("{}.{unkeyed}", new.public().kid());
        assert_eq!(set.verify_token::<ChallengeClaims>(&swapped), Err(TokenError::Signature));
        let by_stranger = stranger.sign_token(&claims()).unwrap();
        assert_eq!(set.verify_token::<ChallengeClaims>(&by_stranger), Err(TokenError::Kid));
        let unkeyed_stranger = by_stranger.split_once('.').unwrap().1;
        assert!(set.verify_token::<ChallengeClaims>(unkeyed_stranger).is_err());
        let jwks = set.jwks();
        assert_eq!(jwks["keys"][0]["kid"], new.public().kid());
        assert_eq!(jwks["keys"][1]["x"], old.public().to_base64url());
    }
}
