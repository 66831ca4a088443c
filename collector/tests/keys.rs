//! Key ids and rotation: `collector key rotate` makes a new signing key and keeps the old one for checking, so
//! that receipts, links and challenges signed before the rotation still verify; what the new key signs names it
//! (`kid`); a token naming no key of the collector is refused; collectors sharing one key file agree.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::{SubmissionAccepted, SubmissionPayload};
use consent::signature::CollectorKey;
use std::path::Path;

fn submit(c: &Collector, p: &SubmissionPayload, device: &Device) -> SubmissionAccepted {
    let response = c.post_envelope("/v1/submissions", &device.seal(p));
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap_or_default());
    response.json().unwrap()
}

fn status(c: &Collector, url: &str) -> u16 {
    c.client.get(url).send().unwrap().status().as_u16()
}

fn manage_link(c: &Collector, key: &CollectorKey, record_id: &str) -> String {
    links::url(&c.base, LinkKind::Manage, &links::sign(key, LinkKind::Manage, SITE, record_id, now_ms(), 90))
}

fn kid_of(token: &str) -> &str {
    token.split_once('.').unwrap().0
}

fn rotate(c: &Collector, args: &[&str]) {
    let out = c.command(&[&["key", "rotate"], args].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The collector's JWK Set, saved to `dir/keys.json`, and the ids it lists.
fn key_set(c: &Collector, dir: &Path) -> (std::path::PathBuf, Vec<String>) {
    let text = c.get("/.well-known/consent-receipt-keys").text().unwrap();
    let set: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kids = set["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect();
    (write(dir, "keys.json", &text), kids)
}

fn receipt_verifies(c: &Collector, dir: &Path, answer: &SubmissionAccepted, keys: &Path) -> bool {
    let file = write(dir, "receipt.json", &serde_json::to_string(answer).unwrap());
    c.command(&["receipt", "verify", file.to_str().unwrap(), "--keys", keys.to_str().unwrap()]).status.success()
}

#[test]
fn after_a_rotation_old_receipts_links_and_challenges_still_check_and_new_ones_carry_the_new_kid() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Collector::start(&[]);
    let old = c.key();
    let device = Device::new(51);
    let before = submit(&c, &submission(&c, &device, "ada@example.org", "Ada"), &device);
    assert_eq!(before.receipt.kid.as_deref(), Some(old.public().kid().as_str()), "the receipt names its key");
    let old_token = links::sign(&old, LinkKind::Manage, SITE, &before.record_id.0, now_ms(), 90);
    let in_flight_device = Device::new(52);
    let in_flight = submission(&c, &in_flight_device, "grace@example.org", "Grace");
    assert_eq!(kid_of(&in_flight.challenge), old.public().kid(), "challenges name their key");

    rotate(&c, &["--data", c.data().to_str().unwrap()]);
    c.restart();
    let new = c.key();
    assert_ne!(new.public(), old.public());

    // Signed by the old key: still good.
    let after = submit(&c, &in_flight, &in_flight_device);
    let old_link = links::url(&c.base, LinkKind::Manage, &old_token);
    assert_eq!(status(&c, &old_link), 200, "a manage link from before the rotation");
    let unkeyed = old_link.replace(&format!("/manage/{}.", old.public().kid()), "/manage/");
    assert_ne!(unkeyed, old_link);
    assert_eq!(status(&c, &unkeyed), 200, "a link from before key ids (no kid): checked against each key");
    let (keys, kids) = key_set(&c, dir.path());
    assert_eq!(kids, [new.public().kid(), old.public().kid()], "current key first, then the retired one");
    assert!(receipt_verifies(&c, dir.path(), &before, &keys), "a receipt from before the rotation");

    // Signed now: the new key, named.
    assert_eq!(after.receipt.kid.as_deref(), Some(new.public().kid().as_str()));
    assert_eq!(after.receipt.public_key, new.public().to_base64url());
    assert!(receipt_verifies(&c, dir.path(), &after, &keys));
    assert_eq!(kid_of(&c.challenge()), new.public().kid());
    let jwk: serde_json::Value = c.get("/.well-known/consent-receipt-key").json().unwrap();
    assert_eq!(jwk["kid"], new.public().kid().as_str());
    assert_eq!(
        c.widget_config().receipt_key.as_deref(),
        Some(new.public().to_base64url().as_str()),
        "the widget's key"
    );

    // A kid the collector does not hold, and a held kid on another key's signature: refused.
    let stranger = CollectorKey::from_seed([0x42; 32]);
    assert_ne!(status(&c, &manage_link(&c, &stranger, &before.record_id.0)), 200, "a stranger's link");
    let relabelled = old_link.replace(&old.public().kid(), &new.public().kid());
    assert_ne!(status(&c, &relabelled), 200, "an old signature under the new kid");
    let mut forged = submission(&c, &Device::new(53), "eve@example.org", "Eve");
    forged.challenge = stranger.sign_token(&in_flight_claims(&c)).unwrap();
    assert_problem(c.post_envelope("/v1/submissions", &Device::new(53).seal(&forged)), 401, "challenge-invalid");
    let mut tampered_receipt = after.clone();
    tampered_receipt.receipt.kid = Some(old.public().kid());
    assert!(!receipt_verifies(&c, dir.path(), &tampered_receipt, &keys), "a receipt naming another key's id");
}

/// Fresh, well-formed challenge claims for the test site (what the stranger signs).
fn in_flight_claims(c: &Collector) -> consent::protocol::ChallengeClaims {
    let token = consent::protocol::SignedToken::parse(&c.challenge()).unwrap();
    token.claims_unverified().unwrap()
}

/// Two collectors on one PostgreSQL database and one `--key-file`: after a rotation and a restart of both, each
/// accepts what the other signed, old and new, and both publish the same key set.
#[test]
fn two_collectors_sharing_the_key_file_agree_after_a_rotation() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("collector-key.seed");
    let seed = key_file.to_str().unwrap();
    let mut a = Collector::start(&["--database", &url, "--key-file", seed]);
    let mut b = Collector::start(&["--database", &url, "--key-file", seed]);
    let device = Device::new(61);
    let before = submit(&b, &submission(&a, &device, "ada@example.org", "Ada"), &device);
    let old = CollectorKey::from_seed(std::fs::read(&key_file).unwrap().try_into().unwrap());
    let old_link = manage_link(&a, &old, &before.record_id.0);
    let in_flight_device = Device::new(62);
    let in_flight = submission(&b, &in_flight_device, "grace@example.org", "Grace");

    rotate(&a, &["--key-file", seed]);
    a.restart();
    b.restart();
    let new = CollectorKey::from_seed(std::fs::read(&key_file).unwrap().try_into().unwrap());

    let after = submit(&a, &in_flight, &in_flight_device);
    assert_eq!(after.receipt.kid.as_deref(), Some(new.public().kid().as_str()));
    let crossed_device = Device::new(63);
    let crossed = submit(&b, &submission(&a, &crossed_device, "pierre@example.org", "Pierre"), &crossed_device);
    assert_eq!(crossed.receipt.kid, after.receipt.kid, "both sign with the new key");
    for c in [&a, &b] {
        let link = old_link.replace(old_link.split("/manage/").next().unwrap(), &c.base);
        assert_eq!(status(c, &link), 200, "the old link on {}", c.base);
    }
    let (keys_a, kids_a) = key_set(&a, dir.path());
    let (_, kids_b) = key_set(&b, dir.path());
    assert_eq!(kids_a, kids_b, "one key set");
    for answer in [&before, &after, &crossed] {
        assert!(receipt_verifies(&a, dir.path(), answer, &keys_a));
    }
}
