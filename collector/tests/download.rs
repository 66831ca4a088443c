//! The art. 20 download (`/manage/{token}/data.json`): personal data, current choices, and the subject's own
//! ledger events — never another subject's.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::SubmissionAccepted;

pub(crate) fn submit(c: &Collector, device: &Device, email: &str) -> String {
    let p = submission(c, device, email, "Marie");
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.status().as_u16(), 201);
    response.json::<SubmissionAccepted>().unwrap().record_id.0
}

pub(crate) fn confirm(c: &Collector, record: &str) {
    let token = links::sign(&c.key(), LinkKind::Confirm, SITE, record, now_ms(), 7);
    assert_eq!(c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(), 200);
}

#[test]
fn the_download_holds_the_subjects_own_ledger_events() {
    let c = Collector::start(&[]);
    let notice = c.widget_config().notice_version;
    // Two subjects whose events interleave in the chain.
    let mine = submit(&c, &Device::new(7), "marie.curie@example.org");
    let theirs = submit(&c, &Device::new(8), "pierre.curie@example.org");
    confirm(&c, &mine);
    confirm(&c, &theirs);
    let manage =
        links::url(&c.base, LinkKind::Manage, &links::sign(&c.key(), LinkKind::Manage, SITE, &mine, now_ms(), 90));
    let saved = crate::changes::save_choices(&c, &manage, &["community"]);
    assert_eq!(saved.status().as_u16(), 200);
    assert_eq!(c.events(), 5);

    let download = c.client.get(format!("{manage}/data.json")).send().unwrap();
    assert_eq!(download.status().as_u16(), 200);
    let text = download.text().unwrap();
    let held: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(held["email"], "marie.curie@example.org");
    let events = held["events"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["submitted", "confirmed", "changed"]);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 3, 5]);
    for e in events {
        assert_eq!(e["record_id"], mine.as_str());
        assert_eq!(e["notice_version"], notice.as_str());
        assert!(e["at"].as_str().unwrap().ends_with('Z'));
        // The hash is the chain's own, so the subject can check it against a receipt.
        let seq = e["seq"].as_i64().unwrap();
        let hash: String = c.db().query_row("SELECT hash FROM events WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
        assert_eq!(e["hash"], hash.as_str());
        assert!(e.get("prev_hash").is_none());
    }
    assert_eq!(events[0]["choices"], serde_json::json!({"community": true, "events": false, "jobs": true}));
    assert_eq!(events[0]["detail"]["cta"], "join");
    assert!(events[0]["payload_sha256"].as_str().is_some_and(|h| h.len() == 64));
    assert_eq!(events[2]["choices"], serde_json::json!({"community": true, "events": false, "jobs": false}));
    assert_eq!(events[2]["detail"]["via"], "manage_link");
    // Nothing of the other subject: not their record, their subject id, their address.
    let their_subject: String =
        c.db().query_row("SELECT subject_id FROM records WHERE record_id = ?1", [&theirs], |r| r.get(0)).unwrap();
    assert!(!text.contains(&theirs) && !text.contains(&their_subject) && !text.contains("pierre"), "{text}");

    // After erasure the download still lists the events (the chain keeps them, without personal data).
    let erased = c.client.post(format!("{manage}/erase")).form(&[("confirm", "yes")]).send().unwrap();
    assert_eq!(erased.status().as_u16(), 200);
    let held: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    assert!(held["email"].is_null());
    let kinds: Vec<&str> = held["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["submitted", "confirmed", "changed", "erased"]);
    let (ok, report) = c.verify();
    assert!(ok, "{report}");
}
