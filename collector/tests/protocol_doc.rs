//! The examples of `docs/protocol.md` are real bytes: this module makes them (fixed keys, deterministic
//! RFC 6979 ECDSA, Ed25519) and checks that the document shows exactly these. To regenerate after a protocol
//! change: `PROTOCOL_EXAMPLES=/tmp/examples.md cargo test -p collector --test integration protocol_doc`.

use crate::util::Device;
use collector::ledger::{Event, EventKind, GENESIS_HASH, StoredEvent, sha256_hex};
use collector::links::{LinkClaims, LinkKind};
use consent::Locale;
use consent::protocol::{
    Action, ActionPayload, ChallengeClaims, Problem, ProblemType, ReceiptBody, SignedEnvelope, SubmissionAccepted,
    SubmissionPayload,
};
use consent::signature::{CollectorKey, open_envelope, verify_receipt_self_contained};
use std::collections::BTreeMap;

const NOTICE: &str = "a3333eacc3122fe7f37929e43bf2a49b58fa74615ca2cc628436d65cbd3d8484";
const IAT: i64 = 1_795_939_200; // 2026-11-29T08:00:00Z

fn examples() -> Vec<(&'static str, String)> {
    let collector = CollectorKey::from_seed([1; 32]);
    let device = Device::new(7);
    let claims = ChallengeClaims {
        site: "association-exemple".into(),
        notice_version: NOTICE.into(),
        nonce: "q0lV8r1rTq2Xr2wq7n9Y1A".into(),
        iat: IAT,
        exp: IAT + 1800,
    };
    let claims_json = consent::canonical::to_canonical_string(&claims).unwrap();
    let token = collector.sign_token(&claims).unwrap();
    let payload = SubmissionPayload {
        v: 1,
        site: "association-exemple".into(),
        cta: "join".into(),
        page_url: "https://www.association-exemple.fr/portraits/marie/".into(),
        locale: Locale::Fr,
        notice_version: NOTICE.into(),
        challenge: token.clone(),
        subject: BTreeMap::from([
            ("email".into(), "marie.curie@example.org".into()),
            ("first_name".into(), "Marie".into()),
            ("last_name".into(), "Curie".into()),
            ("programme".into(), "Ingénieur généraliste".into()),
            ("promo".into(), "2015".into()),
        ]),
        choices: BTreeMap::from([("community".into(), true), ("events".into(), false), ("jobs".into(), true)]),
        privacy_ack: true,
        submitted_at: "2026-11-29T08:03:12.345Z".into(),
        device_key: device.jwk.clone(),
    };
    let envelope = device.seal(&payload);
    open_envelope::<SubmissionPayload>(&envelope).unwrap();
    let payload_sha256 = sha256_hex(envelope.payload.as_bytes());
    let body = ReceiptBody {
        record_id: "Nq1m2bQ0S4yOe3Yb9pXh7w".into(),
        payload_sha256: payload_sha256.clone(),
        ledger_seq: 1,
        prev_hash: GENESIS_HASH.into(),
        received_at: "2026-11-29T08:03:12.401Z".into(),
    };
    let receipt = collector.sign_receipt(body).unwrap();
    verify_receipt_self_contained(&receipt).unwrap();
    let accepted = SubmissionAccepted { record_id: "Nq1m2bQ0S4yOe3Yb9pXh7w".into(), status: "pending".into(), receipt };
    let data = consent::canonical::to_canonical_string(
        &serde_json::json!({"payload": envelope.payload, "signature": envelope.signature}),
    )
    .unwrap();
    let event = Event {
        seq: 1,
        prev_hash: GENESIS_HASH.into(),
        kind: EventKind::Submitted,
        at: "2026-11-29T08:03:12.401Z".into(),
        site: "association-exemple".into(),
        subject_id: "c3ViamVjdC1leGFtcGxlMQ".into(),
        record_id: Some("Nq1m2bQ0S4yOe3Yb9pXh7w".into()),
        payload_sha256: Some(payload_sha256),
        data_sha256: Some(sha256_hex(data.as_bytes())),
        detail: BTreeMap::from([
            ("choices".into(), serde_json::json!({"community": true, "events": false, "jobs": true})),
            ("cta".into(), serde_json::json!("join")),
            ("locale".into(), serde_json::json!("fr")),
            ("notice_version".into(), serde_json::json!(NOTICE)),
        ]),
    };
    let stored = StoredEvent::seal(&event).unwrap();
    let withdraw = ActionPayload {
        v: 1,
        site: "association-exemple".into(),
        record_id: Some("Nq1m2bQ0S4yOe3Yb9pXh7w".into()),
        action: Action::Withdraw,
        challenge: token.clone(),
        submitted_at: "2026-12-01T18:00:00.000Z".into(),
        device_key: device.jwk.clone(),
    };
    let action_envelope: SignedEnvelope = device.seal_action(&withdraw);
    let link = LinkClaims {
        link: LinkKind::Manage,
        site: "association-exemple".into(),
        record_id: "Nq1m2bQ0S4yOe3Yb9pXh7w".into(),
        iat: IAT,
        exp: IAT + 90 * 86_400,
        email: None,
    };
    let problem = Problem::new(ProblemType::StaleNotice, Locale::Fr);
    vec![
        ("collector-public-key", collector.public().to_base64url()),
        ("device-jwk", serde_json::to_string(&device.jwk).unwrap()),
        ("device-thumbprint", device.jwk.thumbprint()),
        ("challenge-claims", claims_json),
        ("challenge-token", token),
        ("submission-payload", envelope.payload.clone()),
        ("submission-envelope", serde_json::to_string_pretty(&envelope).unwrap()),
        ("payload-sha256", sha256_hex(envelope.payload.as_bytes())),
        ("receipt-body", consent::canonical::to_canonical_string(&accepted.receipt.body).unwrap()),
        ("accepted", serde_json::to_string_pretty(&accepted).unwrap()),
        ("ledger-event", stored.body),
        ("ledger-event-hash", stored.hash),
        ("action-envelope", serde_json::to_string_pretty(&action_envelope).unwrap()),
        ("manage-link", collector.sign_token(&link).unwrap()),
        ("problem", serde_json::to_string_pretty(&problem).unwrap()),
    ]
}

#[test]
fn the_protocol_document_shows_real_bytes() {
    let examples = examples();
    if let Ok(path) = std::env::var("PROTOCOL_EXAMPLES") {
        let text: String =
            examples.iter().map(|(name, bytes)| format!("<!-- {name} -->\n```\n{bytes}\n```\n\n")).collect();
        std::fs::write(path, text).unwrap();
    }
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md")).unwrap();
    for (name, bytes) in &examples {
        assert!(doc.contains(bytes.as_str()), "docs/protocol.md does not show the example `{name}`:\n{bytes}");
    }
}
