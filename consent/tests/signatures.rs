//! Signatures as the outside world makes them: Chromium's WebCrypto (fixture), and the protocol round trips.

use consent::protocol::{
    Action, ActionPayload, ChallengeClaims, Jwk, ReceiptBody, SubmissionPayload, b64url_decode, b64url_encode,
};
use consent::signature::{
    CollectorKey, CollectorPublicKey, DeviceSignatureError, VerifyError, open_envelope, verify_device_signature,
    verify_receipt_self_contained,
};
use consent::{Locale, RecordId};
use serde::Deserialize;
use std::collections::BTreeMap;
use test_kit::Device;

#[derive(Deserialize)]
struct Fixture {
    public_key_jwk: Jwk,
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    message_utf8: String,
    signature_p1363_b64url: String,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("data/webcrypto-ecdsa-p256.json")).unwrap()
}

fn flip(text: &str, bit: usize) -> String {
    let mut bytes = b64url_decode(text).unwrap();
    let at = bit / 8 % bytes.len();
    bytes[at] ^= 1 << (bit % 8);
    b64url_encode(&bytes)
}

#[test]
fn chromium_webcrypto_signatures_verify() {
    let f = fixture();
    assert_eq!(f.vectors.len(), 3);
    for v in &f.vectors {
        verify_device_signature(&f.public_key_jwk, v.message_utf8.as_bytes(), &v.signature_p1363_b64url)
            .unwrap_or_else(|e| panic!("{:?}: {e}", v.message_utf8));
    }
}

#[test]
fn one_bit_changed_anywhere_is_rejected() {
    let f = fixture();
    for v in &f.vectors {
        let msg = v.message_utf8.as_bytes();
        // Every bit of the signature.
        for bit in 0..512 {
            let sig = flip(&v.signature_p1363_b64url, bit);
            assert!(verify_device_signature(&f.public_key_jwk, msg, &sig).is_err(), "signature bit {bit}");
        }
        // Every bit of the message (or one appended byte for the empty message).
        let mut bits = msg.len() * 8;
        if bits == 0 {
            assert!(verify_device_signature(&f.public_key_jwk, b"\0", &v.signature_p1363_b64url).is_err());
            bits = 0;
        }
        for bit in 0..bits {
            let mut m = msg.to_vec();
            m[bit / 8] ^= 1 << (bit % 8);
            assert!(
                verify_device_signature(&f.public_key_jwk, &m, &v.signature_p1363_b64url).is_err(),
                "msg bit {bit}"
            );
        }
        // Every bit of each key coordinate.
        for bit in 0..256 {
            let mut k = f.public_key_jwk.clone();
            k.x = flip(&k.x, bit);
            let e = verify_device_signature(&k, msg, &v.signature_p1363_b64url).unwrap_err();
            assert!(matches!(e, DeviceSignatureError::BadKey | DeviceSignatureError::Mismatch));
            let mut k = f.public_key_jwk.clone();
            k.y = flip(&k.y, bit);
            assert!(verify_device_signature(&k, msg, &v.signature_p1363_b64url).is_err(), "y bit {bit}");
        }
    }
}

#[test]
fn malformed_keys_and_signatures_are_named() {
    let f = fixture();
    let v = &f.vectors[0];
    let mut k = f.public_key_jwk.clone();
    k.crv = "P-384".into();
    assert_eq!(verify_device_signature(&k, b"x", &v.signature_p1363_b64url), Err(DeviceSignatureError::BadKey));
    assert_eq!(verify_device_signature(&f.public_key_jwk, b"x", "abc"), Err(DeviceSignatureError::BadEncoding));
    assert_eq!(verify_device_signature(&f.public_key_jwk, b"x", "!!"), Err(DeviceSignatureError::BadEncoding));
}

fn payload(jwk: Jwk) -> SubmissionPayload {
    SubmissionPayload {
        v: 1,
        site: "association-exemple".into(),
        cta: "join".into(),
        page_url: "http://127.0.0.1:8080/portrait/".into(),
        locale: Locale::Fr,
        notice_version: "ab".repeat(32),
        challenge: "t.s".into(),
        subject: BTreeMap::from([("email".into(), "marie@example.org".into()), ("first_name".into(), "Marie".into())]),
        choices: BTreeMap::from([("community".into(), true), ("jobs".into(), false)]),
        privacy_ack: true,
        submitted_at: "2026-11-29T08:00:00.000Z".into(),
        device_key: jwk,
    }
}

#[test]
fn envelope_round_trip_and_refusals() {
    let device = Device::new(7);
    let jwk = device.jwk.clone();
    let p = payload(jwk.clone());
    let env = device.seal(&p);
    let opened = open_envelope::<SubmissionPayload>(&env).unwrap();
    assert_eq!(opened.payload, p);
    assert_eq!(opened.bytes, env.payload.as_bytes());

    // Not canonical (spaces), even if correctly signed.
    let spaced = device.seal_text(serde_json::to_string_pretty(&p).unwrap());
    assert!(matches!(open_envelope::<SubmissionPayload>(&spaced), Err(VerifyError::Canonical(_))));
    // Signed by another key than the one it carries.
    let forged = Device::new(9).seal_text(p.to_canonical().unwrap());
    assert!(matches!(open_envelope::<SubmissionPayload>(&forged), Err(VerifyError::Signature(_))));
    // Wrong version, unknown key, wrong type.
    let mut v2 = serde_json::to_value(&p).unwrap();
    v2["v"] = 2.into();
    let env = device.seal_text(consent::canonical::to_canonical_string(&v2).unwrap());
    assert!(matches!(open_envelope::<SubmissionPayload>(&env), Err(VerifyError::Version)));
    let mut extra = serde_json::to_value(&p).unwrap();
    extra["default"] = true.into();
    let env = device.seal_text(consent::canonical::to_canonical_string(&extra).unwrap());
    assert!(matches!(open_envelope::<SubmissionPayload>(&env), Err(VerifyError::Shape(_))));
    // An action with the same key opens as an action.
    let action = ActionPayload {
        v: 1,
        site: "association-exemple".into(),
        record_id: Some(RecordId("r1".into())),
        action: Action::Withdraw,
        challenge: "t.s".into(),
        submitted_at: "2026-11-29T08:00:00.000Z".into(),
        device_key: jwk,
    };
    let env = device.seal_text(consent::canonical::to_canonical_string(&action).unwrap());
    assert_eq!(open_envelope::<ActionPayload>(&env).unwrap().payload, action);
    assert!(env.payload.contains(r#""action":{"kind":"withdraw"}"#), "{}", env.payload);
}

#[test]
fn challenge_tokens_and_receipts() {
    let key = CollectorKey::from_seed([3u8; 32]);
    let public = CollectorPublicKey::from_base64url(&key.public().to_base64url()).unwrap();
    let claims = ChallengeClaims {
        site: "s".into(),
        notice_version: "v".into(),
        nonce: "n".into(),
        iat: 1_790_000_000,
        exp: 1_790_000_600,
    };
    let token = key.sign_token(&claims).unwrap();
    assert_eq!(public.verify_token::<ChallengeClaims>(&token).unwrap(), claims);
    let (kid, unkeyed) = token.split_once('.').unwrap();
    assert_eq!(kid, public.kid(), "the token names its key");
    assert_eq!(kid.len(), 11, "8 bytes of SHA-256, base64url");
    assert_eq!(public.verify_token::<ChallengeClaims>(unkeyed).unwrap(), claims, "a token from before key ids");
    let forged_kid = format!("{}.{unkeyed}", CollectorKey::from_seed([4u8; 32]).public().kid());
    assert_eq!(public.verify_token::<ChallengeClaims>(&forged_kid), Err(consent::signature::TokenError::Kid));
    let (c, s) = unkeyed.split_once('.').unwrap();
    let other = CollectorKey::from_seed([4u8; 32]).sign_token(&claims).unwrap();
    assert!(public.verify_token::<ChallengeClaims>(&other).is_err(), "another collector's token");
    let tampered =
        format!("{}.{s}", b64url_encode(&b64url_decode(c).unwrap().into_iter().chain([b' ']).collect::<Vec<_>>()));
    assert!(public.verify_token::<ChallengeClaims>(&tampered).is_err());
    assert!(public.verify_token::<ChallengeClaims>("garbage").is_err());

    let receipt = key
        .sign_receipt(ReceiptBody {
            record_id: RecordId("r1".into()),
            payload_sha256: "00".repeat(32),
            ledger_seq: 7,
            prev_hash: "11".repeat(32),
            received_at: "2026-11-29T08:00:00Z".into(),
        })
        .unwrap();
    public.verify_receipt(&receipt).unwrap();
    verify_receipt_self_contained(&receipt).unwrap();
    assert_eq!(receipt.kid.as_deref(), Some(public.kid().as_str()));
    let mut forged = receipt.clone();
    forged.kid = Some(CollectorKey::from_seed([4u8; 32]).public().kid());
    assert!(verify_receipt_self_contained(&forged).is_err(), "a kid that is not the receipt's key");
    let mut before_kids = receipt.clone();
    before_kids.kid = None;
    verify_receipt_self_contained(&before_kids).unwrap();
    assert!(!serde_json::to_string(&before_kids).unwrap().contains("kid"), "no kid written when there is none");
    let mut bad = receipt.clone();
    bad.body.ledger_seq = 8;
    assert!(public.verify_receipt(&bad).is_err());
    let json = serde_json::to_string(&receipt).unwrap();
    let back: consent::protocol::Receipt = serde_json::from_str(&json).unwrap();
    public.verify_receipt(&back).unwrap();
}
