//! The signed payload: every purpose shown is in `choices`, the WebCrypto signature verifies with the
//! `consent` crate (as the collector checks it), and the device key is non-extractable and kept.

use crate::support::{mount, settle};
use consent::protocol::{Action, SubmissionPayload, check_choices, check_subject};
use consent::signature::{open_envelope, verify_device_signature};
use wasm_bindgen_test::wasm_bindgen_test;
use widget::device::DeviceKey;
use widget::seal;

#[wasm_bindgen_test]
async fn the_payload_lists_every_purpose_shown_and_its_signature_verifies() {
    let form = mount("event");
    form.open_and_fill().await;
    form.click("#p-events");
    form.click("#privacy-ack");
    settle().await;
    let answers = form.state.answers(&form.config.fields);
    let shown: Vec<String> = form.boxes().into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        answers.choices.keys().cloned().collect::<std::collections::BTreeSet<_>>(),
        shown.iter().cloned().collect()
    );
    assert_eq!(answers.choices.get("events"), Some(&true));
    assert_eq!(answers.choices.get("community"), Some(&false));
    check_subject(&form.config.fields, &answers.subject).unwrap();
    check_choices(&form.cta, &answers.choices, answers.privacy_ack).unwrap();

    let key = DeviceKey::load_or_create().await.expect("WebCrypto and IndexedDB on 127.0.0.1");
    let context = seal::Context {
        site: "association-exemple".into(),
        cta: "event".into(),
        page_url: "http://127.0.0.1/article/".into(),
        locale: consent::Locale::Fr,
        notice_version: form.config.notice_version.clone(),
    };
    let payload = seal::submission(&context, answers.clone(), "challenge-token".into(), &key);
    let envelope = seal::seal(&payload, &key).await.unwrap();
    let opened = open_envelope::<SubmissionPayload>(&envelope).expect("the collector's check passes");
    assert_eq!(opened.payload, payload);
    assert_eq!(opened.payload.choices.len(), shown.len());
    assert_eq!(opened.payload.subject.get("last_name").map(String::as_str), Some("Curie"));

    // A changed byte breaks it.
    let mut forged = envelope.clone();
    forged.payload = forged.payload.replace("\"events\":true", "\"events\":false");
    assert!(open_envelope::<SubmissionPayload>(&forged).is_err());
}

#[wasm_bindgen_test]
async fn the_device_key_is_non_extractable_and_kept_across_loads() {
    let first = DeviceKey::load_or_create().await.unwrap();
    let second = DeviceKey::load_or_create().await.unwrap();
    assert!(!first.extractable());
    assert_eq!(first.jwk, second.jwk);
    assert_eq!(first.jwk.crv, "P-256");
}

#[wasm_bindgen_test]
async fn actions_are_signed_by_the_same_key() {
    let key = DeviceKey::load_or_create().await.unwrap();
    for action in [Action::Withdraw, Action::Status, Action::Change { choices: [("jobs".to_owned(), false)].into() }] {
        let payload = seal::action("association-exemple", Some("rec_1"), action, "token".into(), &key);
        let envelope = seal::seal(&payload, &key).await.unwrap();
        consent::canonical::ensure_canonical(&envelope.payload).unwrap();
        verify_device_signature(&key.jwk, envelope.payload.as_bytes(), &envelope.signature).unwrap();
    }
}

#[wasm_bindgen_test]
fn the_widget_writes_base64url_like_consent() {
    let bytes: Vec<u8> = (0..=255u8).rev().collect();
    for len in 0..70 {
        let slice = &bytes[..len];
        assert_eq!(widget::device::b64url(slice), consent::protocol::b64url_encode(slice), "{len} bytes");
    }
}
