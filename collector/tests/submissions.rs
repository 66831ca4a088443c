//! Accepted submissions: receipt, ledger, notice text, the same email twice, a WebCrypto-made key.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::{Receipt, SignedEnvelope, SubmissionAccepted};
use consent::signature::CollectorPublicKey;
use sha2::{Digest, Sha256};

#[test]
fn a_valid_submission_is_durably_recorded_and_receipted() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let payload = submission(&c, &device, "marie.curie@example.org", "Marie");
    let envelope = device.seal(&payload);
    let response = c.post_envelope("/v1/submissions", &envelope);
    assert_eq!(response.status().as_u16(), 201);
    let accepted: SubmissionAccepted = response.json().unwrap();
    assert_eq!(accepted.status, "pending");

    // The receipt verifies with the key the collector publishes, both ways.
    let published: serde_json::Value = c.get("/.well-known/consent-receipt-key").json().unwrap();
    let key = published["x"].as_str().unwrap();
    assert_eq!(c.widget_config().receipt_key.as_deref(), Some(key));
    CollectorPublicKey::from_base64url(key).unwrap().verify_receipt(&accepted.receipt).unwrap();
    let receipt = &accepted.receipt.body;
    assert_eq!(receipt.payload_sha256, hex::encode(Sha256::digest(envelope.payload.as_bytes())));
    assert_eq!(receipt.ledger_seq, 1);
    assert_eq!(receipt.prev_hash, "0".repeat(64));

    // The ledger holds one `submitted` event naming the record, and the data beside it match its hash.
    let db = c.db();
    let body: String = db.query_row("SELECT body FROM events WHERE seq = 1", [], |r| r.get(0)).unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["kind"], "submitted");
    assert_eq!(event["record_id"], accepted.record_id.as_str());
    assert_eq!(event["payload_sha256"], receipt.payload_sha256.as_str());
    assert!(!body.contains("marie.curie"), "no personal data in the chain: {body}");
    let data: String = db
        .query_row("SELECT data FROM record_data WHERE record_id = ?1", [accepted.record_id.as_str()], |r| r.get(0))
        .unwrap();
    assert_eq!(event["data_sha256"], hex::encode(Sha256::digest(data.as_bytes())));
    let status: String = db
        .query_row("SELECT status FROM records WHERE record_id = ?1", [accepted.record_id.as_str()], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "pending");

    // Offline receipt check, then against the ledger; a tampered receipt fails.
    let file = write(c.dir.path(), "receipt.json", &serde_json::to_string(&accepted).unwrap());
    let data_dir = c.data();
    let out =
        c.command(&["receipt", "verify", file.to_str().unwrap(), "--key", key, "--data", data_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let mut forged: Receipt = accepted.receipt.clone();
    forged.body.ledger_seq = 2;
    let file = write(c.dir.path(), "forged.json", &serde_json::to_string(&forged).unwrap());
    let out = c.command(&["receipt", "verify", file.to_str().unwrap(), "--key", key]);
    assert_eq!(out.status.code(), Some(1));
    assert!(c.verify().0);
}

#[test]
fn the_notice_version_shown_is_served_in_full() {
    let c = Collector::start(&[]);
    let version = c.widget_config().notice_version;
    let response = c.get(&format!("/v1/notices/{version}"));
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().unwrap();
    assert_eq!(hex::encode(Sha256::digest(text.as_bytes())), version);
    assert!(text.contains("Association des diplômés"));
    assert_problem(c.get(&format!("/v1/notices/{}", "0".repeat(64))), 404, "unknown-record");
    let html = c.client.get(c.url(&format!("/v1/notices/{version}"))).header("accept", "text/html").send().unwrap();
    assert!(html.text().unwrap().contains("<pre lang=\"fr\">"));
}

#[test]
fn the_same_email_twice_keeps_both_records_for_one_subject() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let first = submission(&c, &device, "Marie.Curie@example.org", "Marie");
    assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&first)).status().as_u16(), 201);
    let mut second = submission(&c, &device, "marie.curie@example.org ", "Marie");
    second.choices.insert("jobs".into(), false);
    second.choices.insert("events".into(), true);
    let accepted: SubmissionAccepted = c.post_envelope("/v1/submissions", &device.seal(&second)).json().unwrap();
    assert_eq!(accepted.receipt.body.ledger_seq, 2);
    assert_eq!(c.event_kinds(), ["submitted", "submitted"]);
    assert_eq!(c.count("SELECT count(*) FROM records"), 2);
    assert_eq!(c.count("SELECT count(DISTINCT subject_id) FROM records"), 1, "one subject for one email");
    assert_eq!(c.count("SELECT count(*) FROM subjects"), 1);

    // Confirming the later one first, then the earlier one: the later submission still wins per purpose.
    let first_id: String =
        c.db().query_row("SELECT record_id FROM records ORDER BY created_at, rowid LIMIT 1", [], |r| r.get(0)).unwrap();
    for id in [accepted.record_id.as_str(), first_id.as_str()] {
        let token = links::sign(&c.key(), LinkKind::Confirm, SITE, id, now_ms(), 7);
        assert_eq!(
            c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(),
            200
        );
    }
    assert_eq!(c.event_kinds(), ["submitted", "submitted", "confirmed", "confirmed"]);
    assert!(c.export("community").contains("marie.curie@example.org"));
    assert!(!c.export("jobs").contains("marie.curie@example.org"), "the later `jobs: false` stands");
    assert!(c.export("events").contains("marie.curie@example.org"), "the later `events: true` stands");
}

#[test]
fn a_key_made_by_webcrypto_outside_rust_is_accepted() {
    // Node's WebCrypto (the browser API) makes the key, exports the JWK, canonicalises and signs.
    let c = Collector::start(&[]);
    let unsigned = submission(&c, &Device::new(1), "ada@example.org", "Ada");
    let mut value = serde_json::to_value(&unsigned).unwrap();
    value.as_object_mut().unwrap().remove("device_key");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/webcrypto-sign.mjs");
    let mut child = std::process::Command::new("node")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node is needed for this test");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), value.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let envelope: SignedEnvelope = serde_json::from_slice(&out.stdout).unwrap();
    assert!(envelope.payload.contains("\"crv\":\"P-256\""));
    let response = c.post_envelope("/v1/submissions", &envelope);
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap());
    assert_eq!(c.event_kinds(), ["submitted"]);
}
