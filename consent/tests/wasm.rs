//! The same notice version and the same signature checks on wasm32 as on x86_64 (run in Node.js by
//! wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use consent::protocol::Jwk;
use consent::signature::verify_device_signature;
use consent::{Config, Notice};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn notice_version_matches_native() {
    let config = Config::from_toml_str(include_str!("data/pinned-consent.toml"), "consent.toml").unwrap();
    let notice = Notice::render(&config);
    assert_eq!(notice.version().as_str(), include_str!("data/pinned-version.txt").trim());
}

#[wasm_bindgen_test]
fn webcrypto_fixture_verifies_on_wasm() {
    let f: serde_json::Value = serde_json::from_str(include_str!("data/webcrypto-ecdsa-p256.json")).unwrap();
    let key: Jwk = serde_json::from_value(f["public_key_jwk"].clone()).unwrap();
    for v in f["vectors"].as_array().unwrap() {
        let msg = v["message_utf8"].as_str().unwrap();
        let sig = v["signature_p1363_b64url"].as_str().unwrap();
        verify_device_signature(&key, msg.as_bytes(), sig).unwrap();
        assert!(verify_device_signature(&key, format!("{msg}!").as_bytes(), sig).is_err());
    }
}

#[wasm_bindgen_test]
fn config_errors_are_located_on_wasm() {
    let src = include_str!("data/pinned-consent.toml").replacen("id = \"jobs\"", "id = \"jobs\"\ndefault = true", 1);
    let err = Config::from_toml_str(&src, "consent.toml").unwrap_err();
    assert!(err.to_string().contains("unknown field `default`"));
}
