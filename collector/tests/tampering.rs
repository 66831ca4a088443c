//! `collector verify` passes on an honest ledger and names the first broken link after one byte changes.

use crate::util::*;

#[test]
fn verify_detects_one_changed_byte_in_the_sqlite_file() {
    let mut c = Collector::start(&[]);
    let device = Device::new(7);
    for name in ["Marie", "Pierre", "Irène"] {
        let email = format!("{}@example.org", name.to_lowercase());
        let p = submission(&c, &device, &email, name);
        assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&p)).status().as_u16(), 201);
    }
    let (ok, out) = c.verify();
    assert!(ok, "{out}");
    assert!(out.contains("3 events"), "{out}");

    // Stop the collector, move the WAL into the main file, and flip one byte of event 2's body on disk.
    c.stop();
    c.db().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    let at: String = c.db().query_row("SELECT body FROM events WHERE seq = 2", [], |r| r.get(0)).unwrap();
    let record: String =
        serde_json::from_str::<serde_json::Value>(&at).unwrap()["record_id"].as_str().unwrap().to_owned();
    let path = c.data().join("ledger.sqlite3");
    let mut bytes = std::fs::read(&path).unwrap();
    let needle = format!("\"record_id\":\"{record}\",\"seq\":2");
    let offsets: Vec<usize> =
        bytes.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle.as_bytes()).map(|(i, _)| i).collect();
    assert_eq!(offsets.len(), 1, "the event body appears once in the file");
    let target = offsets[0] + 14; // a character of the record id
    bytes[target] = if bytes[target] == b'A' { b'B' } else { b'A' };
    std::fs::write(&path, bytes).unwrap();

    let (ok, out) = c.verify();
    assert!(!ok);
    assert!(out.contains("event 2"), "{out}");

    // Changing a stored hash instead breaks the next link.
    let c2 = Collector::start(&[]);
    for name in ["a", "b", "c"] {
        let p = submission(&c2, &device, &format!("{name}@example.org"), name);
        assert_eq!(c2.post_envelope("/v1/submissions", &device.seal(&p)).status().as_u16(), 201);
    }
    // Another first hex digit, whatever it was (replacing it with a fixed one changed nothing one time in 16).
    let changed = c2
        .db()
        .execute(
            "UPDATE events SET hash = (CASE WHEN substr(hash, 1, 1) = 'f' THEN '0' ELSE 'f' END) || substr(hash, 2) \
             WHERE seq = 1",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let (ok, out) = c2.verify();
    assert!(!ok);
    assert!(out.contains("event 1"), "{out}");
}
