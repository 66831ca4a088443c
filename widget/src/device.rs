//! The device key (DESIGN §6.3): an ECDSA P-256 key pair made once per browser and embedding origin with
//! WebCrypto. The private half is non-extractable and stays in IndexedDB; only the public JWK leaves.

use crate::idb;
use consent::protocol::Jwk;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, CryptoKeyPair, SubtleCrypto};

const KEY_NAME: &str = "device-key";

/// The browser's signing key and its public JWK.
pub struct DeviceKey {
    private: CryptoKey,
    /// The public half, as sent in every payload.
    pub jwk: Jwk,
}

fn subtle() -> Result<SubtleCrypto, JsValue> {
    // `crypto.subtle` exists only in a secure context (https, or http on 127.0.0.1/localhost).
    let subtle = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?.crypto()?.subtle();
    if subtle.is_undefined() { Err(JsValue::from_str("no subtle crypto")) } else { Ok(subtle) }
}

fn object(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o
}

fn text(o: &JsValue, key: &str) -> String {
    Reflect::get(o, &JsValue::from_str(key)).ok().and_then(|v| v.as_string()).unwrap_or_default()
}

/// Base64url without padding, as `consent::protocol::b64url_encode` writes it (checked by the browser tests): a
/// few lines here instead of the `base64` crate's general engine in the bundle.
pub fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let bits = byte(0) << 16 | byte(1) << 8 | byte(2);
        // n bytes carry 8n bits: n + 1 characters of 6 bits.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(bits >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

impl DeviceKey {
    /// The key kept for this origin, or a new one (stored before use, so that two widgets on a page share it).
    pub async fn load_or_create() -> Result<DeviceKey, JsValue> {
        if let Some(pair) = Self::stored().await? {
            return Self::from_pair(pair).await;
        }
        let algorithm = object(&[("name", "ECDSA"), ("namedCurve", "P-256")]);
        let usages = Array::of1(&JsValue::from_str("sign"));
        let pair: CryptoKeyPair =
            JsFuture::from(subtle()?.generate_key_with_object(&algorithm, false, &usages)?).await?.unchecked_into();
        // `add` fails if another widget of the page stored its key first: then use that one.
        if idb::add(KEY_NAME, &pair).await.is_err()
            && let Some(stored) = Self::stored().await?
        {
            return Self::from_pair(stored).await;
        }
        Self::from_pair(pair).await
    }

    async fn stored() -> Result<Option<CryptoKeyPair>, JsValue> {
        let value = idb::get(KEY_NAME).await?;
        Ok(if value.is_undefined() || value.is_null() { None } else { Some(value.unchecked_into()) })
    }

    async fn from_pair(pair: CryptoKeyPair) -> Result<DeviceKey, JsValue> {
        let exported = JsFuture::from(subtle()?.export_key("jwk", &pair.get_public_key())?).await?;
        let jwk = Jwk {
            kty: text(&exported, "kty"),
            crv: text(&exported, "crv"),
            x: text(&exported, "x"),
            y: text(&exported, "y"),
        };
        Ok(DeviceKey { private: pair.get_private_key(), jwk })
    }

    /// ECDSA P-256 / SHA-256 over `message`, IEEE P1363 (r ‖ s), base64url: what `consent` verifies.
    pub async fn sign(&self, message: &[u8]) -> Result<String, JsValue> {
        let algorithm = object(&[("name", "ECDSA"), ("hash", "SHA-256")]);
        let signature =
            JsFuture::from(subtle()?.sign_with_object_and_u8_array(&algorithm, &self.private, message)?).await?;
        Ok(b64url(&Uint8Array::new(&signature).to_vec()))
    }

    /// Whether the private key can be read out (it never can: checked by the tests).
    pub fn extractable(&self) -> bool {
        self.private.extractable()
    }
}
