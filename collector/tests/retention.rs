//! Retention keeps only aggregates (issue 5 point 4): anonymised subjects leave no personal data anywhere, yet
//! `stats` still counts the consents they gave, apart from the consents in force and k-suppressed.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::SubmissionAccepted;

fn submit_confirmed(c: &Collector, device: &Device, email: &str, first_name: &str, promo: &str) -> String {
    let mut p = submission(c, device, email, first_name);
    p.subject.insert("promo".into(), promo.into());
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.status().as_u16(), 201);
    let id = response.json::<SubmissionAccepted>().unwrap().record_id.0;
    let token = links::sign(&c.key(), LinkKind::Confirm, SITE, &id, now_ms(), 7);
    assert_eq!(c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(), 200);
    id
}

fn stats(c: &Collector) -> serde_json::Value {
    let out = c.command(&["stats", "--data", c.data().to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every text cell of every table of the database, for "no trace of X anywhere" checks.
fn every_cell(c: &Collector) -> String {
    let db = c.db();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut all = String::new();
    for table in tables {
        let mut stmt = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                if let Ok(Some(text)) = row.get::<_, Option<String>>(i) {
                    all.push_str(&text);
                    all.push('\n');
                }
            }
        }
    }
    all
}

#[test]
fn anonymised_subjects_stay_in_the_stats_as_counts_only() {
    // No mail transport: the confirmation emails (with their addresses) wait in the queue.
    let c = Collector::start(&[]);
    let device = Device::new(7);
    for i in 0..5 {
        submit_confirmed(&c, &device, &format!("kept{i}@example.org"), &format!("Zoé{i}"), "2015");
    }
    submit_confirmed(&c, &device, "odd@example.org", "Zoéodd", "2001");
    // A seventh withdraws everything from the manage page: anonymised at once, counted as withdrawn.
    let gone = submit_confirmed(&c, &device, "gone@example.org", "Zoégone", "2015");
    let manage =
        links::url(&c.base, LinkKind::Manage, &links::sign(&c.key(), LinkKind::Manage, SITE, &gone, now_ms(), 90));
    assert_eq!(c.client.post(format!("{manage}/withdraw")).send().unwrap().status().as_u16(), 200);
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 6);

    let before = stats(&c);
    assert_eq!(before["subjects"], "6");
    assert_eq!(before["tables"]["promo"]["2015"], "5");
    assert_eq!(before["anonymised"]["subjects"], "< 5");
    assert_eq!(before["anonymised"]["tables"]["ended"]["withdrawn"], "< 5");
    assert_eq!(c.count("SELECT subjects FROM aggregates WHERE dimension = 'ended' AND value = 'withdrawn'"), 1);

    // Three years on, with the injectable clock: every consent has outlived its retention.
    let at = collector::clock::rfc3339(now_ms() + 3 * 365 * 86_400_000);
    let out = c.command(&["purge", "--data", c.data().to_str().unwrap(), "--now", &at]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains("12 consents ended") && out.contains("6 subjects anonymised"), "{out}");

    // Nothing in force any more; the anonymised subjects are still counted, by the same dimensions.
    let after = stats(&c);
    assert_eq!(after["subjects"], "< 5");
    assert!(after["tables"].as_object().unwrap().is_empty(), "{after}");
    let past = &after["anonymised"];
    assert_eq!(past["subjects"], "7", "{after}");
    assert_eq!(past["tables"]["purpose"]["community"], "7");
    assert_eq!(past["tables"]["purpose"]["jobs"], "7");
    assert!(past["tables"]["purpose"].get("events").is_none(), "never given, never counted");
    assert_eq!(past["tables"]["promo"]["2015"], "6");
    assert_eq!(past["tables"]["promo"]["2001"], "< 5");
    assert_eq!(past["tables"]["programme"]["Ingénieur généraliste"], "7");
    assert_eq!(past["tables"]["cta"]["join"], "7");
    assert_eq!(past["tables"]["page"]["/portrait/marie/"], "7");
    assert_eq!(past["tables"]["ended"]["retention"], "6");
    assert_eq!(past["tables"]["ended"]["withdrawn"], "< 5");
    // The raw counts behind the suppressed cells are exact.
    assert_eq!(c.count("SELECT subjects FROM aggregates WHERE dimension = 'promo' AND value = '2001'"), 1);
    let text = c.command(&["stats", "--data", c.data().to_str().unwrap()]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("anonymised subjects") && text.contains("Fin / ended by"), "{text}");

    // No personal data of theirs anywhere: not in the export, the data tables, the mail queue, the aggregates.
    for purpose in ["community", "jobs", "events"] {
        assert_eq!(c.export(purpose).lines().count(), 1, "header only for {purpose}");
    }
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 0);
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email IS NOT NULL OR anonymised_at IS NULL"), 0);
    assert_eq!(c.count("SELECT count(*) FROM records WHERE device IS NOT NULL"), 0);
    assert_eq!(c.count("SELECT count(*) FROM consents"), 0);
    assert_eq!(c.count("SELECT count(*) FROM mail_queue"), 0);
    let everything = every_cell(&c);
    assert!(!everything.contains("@example.org") && !everything.contains("Zoé"), "personal data left");
    let (ok, report) = c.verify();
    assert!(ok, "{report}");
}
