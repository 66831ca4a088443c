//! Submission parsing and verification.
//!
//! Raw mode (first byte even): arbitrary bytes as a `SignedEnvelope` JSON → `open_envelope` never panics, for
//! submissions and actions alike. Structured mode (first byte odd): a validly signed submission whose payload
//! text or signature is mutated must be refused; an unmutated one must open.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use consent::protocol::{ActionPayload, Jwk, SignedEnvelope, SubmissionPayload, b64url_encode};
use consent::signature::open_envelope;
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Arbitrary, Debug)]
enum Mutation {
    FlipBit { at: u16, bit: u8 },
    Insert { at: u16, byte: u8 },
    Remove { at: u16, len: u8 },
    Truncate { at: u16 },
    Splice { at: u16, text: String },
    ReplacePayload(String),
    FlipSignatureBit { at: u8, bit: u8 },
    ReplaceSignature(String),
    SignatureChar { at: u8, ch: char },
}

fn sealed() -> &'static SignedEnvelope {
    static SEALED: OnceLock<SignedEnvelope> = OnceLock::new();
    SEALED.get_or_init(|| {
        let key = SigningKey::from_bytes(&[7u8; 32].into()).expect("a fixed valid scalar");
        let point = key.verifying_key().to_encoded_point(false);
        let device_key = Jwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: b64url_encode(point.x().expect("uncompressed")),
            y: b64url_encode(point.y().expect("uncompressed")),
        };
        let payload = SubmissionPayload {
            v: 1,
            site: "association-exemple".into(),
            cta: "join".into(),
            page_url: "http://127.0.0.1:8080/portrait/".into(),
            locale: consent::Locale::Fr,
            notice_version: "ab".repeat(32),
            challenge: "t.s".into(),
            subject: BTreeMap::from([
                ("email".into(), "marie@example.org".into()),
                ("first_name".into(), "Marie \u{202e}é".into()),
            ]),
            choices: BTreeMap::from([("community".into(), true), ("jobs".into(), false)]),
            privacy_ack: true,
            submitted_at: "2026-11-29T08:00:00.000Z".into(),
            device_key,
        };
        let text = payload.to_canonical().expect("canonical");
        let sig: Signature = key.sign(text.as_bytes());
        SignedEnvelope { payload: text, signature: b64url_encode(&sig.to_bytes()), hp: None }
    })
}

fn apply(env: &mut SignedEnvelope, m: Mutation) -> Option<()> {
    let mut bytes = env.payload.clone().into_bytes();
    // An earlier mutation may have emptied the payload; positions are taken modulo a non-zero length.
    let n = bytes.len().max(1);
    if bytes.is_empty() && matches!(m, Mutation::FlipBit { .. } | Mutation::Remove { .. } | Mutation::Truncate { .. }) {
        return None;
    }
    match m {
        Mutation::FlipBit { at, bit } => bytes[usize::from(at) % n] ^= 1 << (bit % 8),
        Mutation::Insert { at, byte } => bytes.insert(usize::from(at) % (bytes.len() + 1), byte),
        Mutation::Remove { at, len } => {
            let at = usize::from(at) % n;
            let end = (at + usize::from(len).max(1)).min(n);
            bytes.drain(at..end);
        }
        Mutation::Truncate { at } => bytes.truncate(usize::from(at) % n),
        Mutation::Splice { at, text } => {
            let at = usize::from(at) % (bytes.len() + 1);
            bytes.splice(at..at, text.into_bytes());
        }
        Mutation::ReplacePayload(text) => bytes = text.into_bytes(),
        Mutation::FlipSignatureBit { at, bit } => {
            let mut sig = env.signature.clone().into_bytes();
            if sig.is_empty() {
                return None;
            }
            let i = usize::from(at) % sig.len();
            sig[i] ^= 1 << (bit % 8);
            env.signature = String::from_utf8(sig).ok()?;
        }
        Mutation::ReplaceSignature(sig) => env.signature = sig,
        Mutation::SignatureChar { at, ch } => {
            let mut chars: Vec<char> = env.signature.chars().collect();
            if chars.is_empty() {
                return None;
            }
            let i = usize::from(at) % chars.len();
            chars[i] = ch;
            env.signature = chars.into_iter().collect();
        }
    }
    env.payload = String::from_utf8(bytes).ok()?;
    Some(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(env) = serde_json::from_slice::<SignedEnvelope>(rest) {
            let _ = open_envelope::<SubmissionPayload>(&env);
            let _ = open_envelope::<ActionPayload>(&env);
        }
        return;
    }
    let original = sealed();
    assert!(open_envelope::<SubmissionPayload>(original).is_ok(), "the sealed envelope opens");
    let mut u = Unstructured::new(rest);
    let mut env = original.clone();
    for _ in 0..3 {
        let Ok(m) = Mutation::arbitrary(&mut u) else {
            break;
        };
        if apply(&mut env, m).is_none() {
            return;
        }
    }
    let changed = env.payload != original.payload || env.signature != original.signature;
    let opened = open_envelope::<SubmissionPayload>(&env);
    if changed {
        assert!(opened.is_err(), "a mutated envelope opened: {env:?}");
    } else {
        assert!(opened.is_ok());
    }
});
