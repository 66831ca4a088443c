//! Changes and withdrawals signed by the device key that made the record.

use crate::util::*;
use consent::protocol::{Action, RecordView, SubmissionAccepted};
use std::collections::BTreeMap;

fn submit(c: &Collector, device: &Device) -> String {
    let p = submission(c, device, "marie.curie@example.org", "Marie");
    let accepted: SubmissionAccepted = c.post_envelope("/v1/submissions", &device.seal(&p)).json().unwrap();
    accepted.record_id.0
}

#[test]
fn the_device_key_withdraws_its_own_record_and_only_its_own() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let record = submit(&c, &device);

    // Another browser's key cannot act on it.
    let intruder = Device::new(8);
    let before = c.footprint();
    let envelope = intruder.seal_action(&intruder.action(c.challenge(), Some(&record), Action::Withdraw));
    assert_problem(c.post_envelope("/v1/actions", &envelope), 403, "device-mismatch");
    assert_eq!(c.footprint(), before);

    // Status, then change, then withdraw, each with a fresh challenge.
    let status = device.seal_action(&device.action(c.challenge(), None, Action::Status));
    let view: RecordView = c.post_envelope("/v1/actions", &status).json().unwrap();
    assert_eq!((view.record_id.as_str(), view.status.as_str()), (record.as_str(), "pending"));
    let choices = BTreeMap::from([("community".into(), true), ("jobs".into(), false), ("events".into(), true)]);
    let change =
        device.seal_action(&device.action(c.challenge(), Some(&record), Action::Change { choices: choices.clone() }));
    let response = c.post_envelope("/v1/actions", &change);
    assert_eq!(response.status().as_u16(), 200);
    let view: RecordView = response.json().unwrap();
    assert_eq!(view.choices, choices);
    // A replayed action is refused.
    assert_problem(c.post_envelope("/v1/actions", &change), 409, "challenge-reused");

    let withdraw = device.seal_action(&device.action(c.challenge(), Some(&record), Action::Withdraw));
    let response = c.post_envelope("/v1/actions", &withdraw);
    assert_eq!(response.status().as_u16(), 200);
    let view: RecordView = response.json().unwrap();
    assert_eq!(view.status, "withdrawn");
    assert!(view.choices.values().all(|v| !v));
    assert_eq!(c.event_kinds(), ["submitted", "changed", "withdrawn"]);
    let body: String = c.db().query_row("SELECT body FROM events WHERE seq = 3", [], |r| r.get(0)).unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["record_id"], record.as_str());
    assert_eq!(event["detail"]["via"], "device");
    assert!(event["payload_sha256"].is_string());
    // Withdrawn from everything with nothing pending: the personal data are gone, the chain verifies.
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 0);
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 0);
    assert!(c.verify().0);
}

#[test]
fn actions_on_unknown_records_or_with_bad_signatures_are_refused() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let _ = submit(&c, &device);
    let before = c.footprint();
    let unknown = device.seal_action(&device.action(c.challenge(), Some("nope"), Action::Withdraw));
    assert_problem(c.post_envelope("/v1/actions", &unknown), 404, "unknown-record");
    let mut forged = device.seal_action(&device.action(c.challenge(), None, Action::Withdraw));
    forged.signature = Device::new(9).sign(&forged.payload);
    assert_problem(c.post_envelope("/v1/actions", &forged), 401, "bad-signature");
    assert_eq!(c.footprint(), before);
}

/// After a signed withdrawal the record's device link is deleted with the personal data; the browser that
/// withdrew asks for its status on its next visit and is told `withdrawn` (issue 17: it was `403
/// device-mismatch`, shown as « donné depuis un autre navigateur »). A live record stays its device's only.
#[test]
fn a_withdrawn_record_answers_its_status_to_the_browser_that_withdrew_it() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let record = submit(&c, &device);
    let withdraw = device.seal_action(&device.action(c.challenge(), Some(&record), Action::Withdraw));
    assert_eq!(c.post_envelope("/v1/actions", &withdraw).status().as_u16(), 200);

    let before = c.footprint();
    let status = device.seal_action(&device.action(c.challenge(), Some(&record), Action::Status));
    let response = c.post_envelope("/v1/actions", &status);
    assert_eq!(response.status().as_u16(), 200);
    let view: RecordView = response.json().unwrap();
    assert_eq!((view.record_id.as_str(), view.status.as_str()), (record.as_str(), "withdrawn"));
    assert!(view.choices.values().all(|v| !v), "nothing is granted any more: {:?}", view.choices);
    assert!(view.updated_at >= view.given_at, "the widget says « retiré le … » from updated_at");
    assert_eq!(c.footprint(), before, "a status read writes nothing");

    // A record still live is not read by another browser's key.
    let other = Device::new(8);
    let live = submit(&c, &other);
    let peek = device.seal_action(&device.action(c.challenge(), Some(&live), Action::Status));
    assert_problem(c.post_envelope("/v1/actions", &peek), 403, "device-mismatch");
    // A status asked without a record id names no record once the device link is gone.
    let latest = device.seal_action(&device.action(c.challenge(), None, Action::Status));
    assert_problem(c.post_envelope("/v1/actions", &latest), 404, "unknown-record");
}
