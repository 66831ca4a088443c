//! The yearly « mettez à jour votre profil » reminder (issue 15.2), on the real served collector and a real SMTP
//! server on loopback, time moved by `collector purge --now` (the pass `serve` runs periodically): sent once to
//! a subject whose consent in force covers the career profile, a year after that consent; not again within the
//! year; again after it; never to one whose consents do not cover the profile or who withdrew; its opt-out link's
//! GET changes nothing, its POST (RFC 8058 one-click) records an `objected` event and stops it; an address that
//! bounced once (5xx) is not tried again.

use crate::profile::confirmed_with;
use crate::util::*;
use serde_json::Value;
use std::path::Path;

const EXAMPLE: &str = include_str!("../../examples/association-exemple/consent.toml");
const DAY: i64 = 86_400_000;

/// The messages in `folder` as the server wrote them, in order.
fn received(folder: &Path) -> Vec<Value> {
    let mut paths: Vec<_> = std::fs::read_dir(folder).unwrap().flatten().map(|e| e.path()).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e == "json"));
    paths.sort();
    paths.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
}

fn reminders_to(folder: &Path, address: &str) -> Vec<Value> {
    let to = serde_json::json!([address]);
    received(folder)
        .into_iter()
        .filter(|m| m["to"] == to && m["subject"].as_str().is_some_and(|s| s.starts_with("Mettez à jour votre profil")))
        .collect()
}

fn header<'a>(mail: &'a Value, name: &str) -> &'a str {
    mail["headers"].as_array().unwrap().iter().find(|h| h[0] == name).and_then(|h| h[1].as_str()).unwrap_or("")
}

/// Waits (at most 30 s) for `done`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A confirmed subject of the association example who answered `jobs` (the purpose whose data include the
/// career category) as given; returns their manage link.
fn joined(c: &Collector, email: &str, jobs: bool) -> String {
    confirmed_with(c, email, &[("community", true), ("jobs", jobs), ("events", false)]).1
}

/// `collector purge --now` `days` from now: the retention pass and the reminders due; its output.
fn pass(c: &Collector, days: i64) -> String {
    pass_on(c, &["--data", c.data().to_str().unwrap()], days)
}

/// [`pass`] on the ledger `ledger` names (`--data DIR` or `--database URL`).
fn pass_on(c: &Collector, ledger: &[&str], days: i64) -> String {
    let at = collector::clock::rfc3339(now_ms() + days * DAY);
    let mut args = vec!["purge"];
    args.extend(ledger);
    args.extend(["--now", &at]);
    let out = c.command(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn last_sent(c: &Collector, email: &str) -> Option<i64> {
    c.db()
        .query_row(
            "SELECT last_sent_at FROM profile_reminders JOIN subjects USING (subject_id) WHERE email = ?1",
            [email],
            |r| r.get(0),
        )
        .unwrap_or(None)
}

/// The association example with consents kept five years, so that the two years the tests move through end
/// none by retention.
fn config(dir: &Path) -> std::path::PathBuf {
    write(dir, "consent.toml", &EXAMPLE.replace("retention = { years = 2,", "retention = { years = 5,"))
}

/// The collector serving [`config`] from `dir`, sending through a real SMTP server on loopback (running), and
/// that server's port (to start another in its place).
fn served(dir: &Path) -> (Collector, SmtpSink, u16) {
    let port = free_port();
    let mut sink = SmtpSink::new(port);
    sink.start();
    let url = format!("smtp://127.0.0.1:{port}");
    let c =
        Collector::start_with_config(&config(dir), &["--smtp", &url, "--mail-from", "contact@association-exemple.fr"]);
    (c, sink, port)
}

#[test]
fn a_yearly_reminder_to_covered_subjects_only_with_an_opt_out_and_none_after_a_bounce() {
    const ADA: &str = "ada@example.org";
    const BOB: &str = "bob@example.org";
    const CARLA: &str = "carla@example.org";
    const DORA: &str = "dora@example.org";
    const EVE: &str = "eve@example.org";
    let dir = tempfile::tempdir().unwrap();
    let (c, mut before, port) = served(dir.path());
    joined(&c, ADA, true);
    joined(&c, BOB, false);
    let carla = joined(&c, CARLA, true);
    joined(&c, DORA, true);
    joined(&c, EVE, true);
    // Carla withdraws the consent that covered her profile (community stays).
    let notice = c.widget_config().notice_version;
    let form = [("purpose", "community"), ("notice_version", notice.as_str())];
    assert_eq!(c.client.post(format!("{carla}/choices")).form(&form).send().unwrap().status().as_u16(), 200);
    // The confirmation emails leave (or are dropped, their records confirmed already) before the server changes.
    wait_until("the confirmations", || c.count("SELECT count(*) FROM mail_queue") == 0);
    // From now on the server refuses Eve's address for good.
    before.stop();
    let mut after = SmtpSink::new(port);
    after.start_refusing(EVE);

    // Fresh consents: nothing is due.
    assert!(pass(&c, 0).contains("profile reminders: 0 queued"));
    // A year on: Ada, Dora and Eve (consents covering the career profile, in force).
    let out = pass(&c, 366);
    assert!(out.contains("profile reminders: 3 queued"), "{out}");
    wait_until("the reminders to Ada and Dora", || {
        !reminders_to(after.dir.path(), ADA).is_empty() && !reminders_to(after.dir.path(), DORA).is_empty()
    });
    wait_until("Eve's bounce", || c.count("SELECT count(*) FROM undeliverable") == 1);
    let mail = &reminders_to(after.dir.path(), ADA)[0];
    let text = mail["text"].as_str().unwrap();
    let (fr, en) = (text.find("mettez à jour votre profil").unwrap(), text.find("update your profile").unwrap());
    assert!(fr < en, "French first: {text}");
    assert!(text.contains("Situation") && text.contains("/manage/"), "the fields and the manage link: {text}");
    assert!(text.contains("au plus une fois par an (le prochain, pas avant le "), "{text}");
    let stop = mail["text"].as_str().unwrap().split_whitespace().find(|w| w.contains("/profile-reminder/")).unwrap();
    assert_eq!(header(mail, "List-Unsubscribe"), format!("<{stop}>"));
    assert_eq!(header(mail, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    for nobody in [BOB, CARLA] {
        assert!(reminders_to(after.dir.path(), nobody).is_empty(), "{nobody}: not covered");
    }

    // Within the year: nothing again.
    assert!(pass(&c, 366 + 200).contains("profile reminders: 0 queued"));

    // Dora's opt-out link: the page changes nothing; the one-click POST records it, once.
    let dora = reminders_to(after.dir.path(), DORA);
    let dora_stop = dora[0]["text"].as_str().unwrap().split_whitespace().find(|w| w.contains("/profile-reminder/"));
    let dora_stop = dora_stop.unwrap().to_owned();
    let events = c.events();
    let page = c.client.get(&dora_stop).send().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().unwrap();
    assert!(page.contains("<form method=\"post\"") && page.contains("Ne plus recevoir ce rappel"), "{page}");
    assert_eq!(c.events(), events, "GET records nothing");
    assert_eq!(c.count("SELECT count(*) FROM profile_reminders WHERE opted_out_at IS NOT NULL"), 0);
    let one_click = c.client.post(&dora_stop).body("List-Unsubscribe=One-Click").send().unwrap();
    assert_eq!(one_click.status().as_u16(), 200);
    assert!(one_click.text().unwrap().contains("Vous ne recevrez plus le rappel"));
    assert_eq!(c.events(), events + 1);
    let body: String = c.db().query_row("SELECT body FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["kind"], "objected");
    assert_eq!(event["detail"]["basis"], "profile_reminder");
    assert_eq!(event["detail"]["via"], "list_unsubscribe");
    assert_eq!(event["detail"]["purposes"], serde_json::json!(["jobs", "insertion_stats"]));
    assert!(!body.contains(DORA), "no address in the chain");
    let again = c.client.post(&dora_stop).body("List-Unsubscribe=One-Click").send().unwrap().text().unwrap();
    assert!(again.contains("déjà noté"), "{again}");
    assert_eq!(c.events(), events + 1);
    assert_eq!(c.client.get(format!("{dora_stop}x")).send().unwrap().status().as_u16(), 401, "a tampered link");

    // Two years on: Ada again; not Dora (opted out), not Eve (bounced), still not Bob nor Carla.
    let eve_sent = last_sent(&c, EVE);
    let out = pass(&c, 2 * 366);
    assert!(out.contains("profile reminders: 1 queued"), "{out}");
    wait_until("Ada's second reminder", || reminders_to(after.dir.path(), ADA).len() == 2);
    wait_until("an empty queue", || c.count("SELECT count(*) FROM mail_queue") == 0);
    assert_eq!(reminders_to(after.dir.path(), DORA).len(), 1);
    assert_eq!(last_sent(&c, EVE), eve_sent, "the bounced address is not taken again");
    assert!(reminders_to(after.dir.path(), EVE).is_empty());
    let (ok, out) = c.verify();
    assert!(ok, "{out}");
}

#[test]
fn two_collectors_on_one_postgresql_database_queue_a_reminder_once() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let dir = tempfile::tempdir().unwrap();
    // No --smtp: the emails stay in the queue, where the test counts them.
    let c = Collector::start_with_config(&config(dir.path()), &["--database", &url]);
    joined(&c, "ada@example.org", true);
    joined(&c, "bob@example.org", false);
    let ledger = ["--database", url.as_str()];
    // Two passes at the same instant, at once, as two collectors' would run.
    let outputs: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2).map(|_| s.spawn(|| pass_on(&c, &ledger, 366))).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let queued = outputs.iter().filter(|o| o.contains("profile reminders: 1 queued")).count();
    assert_eq!(queued, 1, "{outputs:?}");
    let mut db = pg.client("ledger");
    let reminders = |db: &mut postgres::Client| -> Vec<String> {
        let rows = db.query("SELECT to_addr FROM mail_queue WHERE message LIKE '%\"profile_reminder\"%'", &[]);
        rows.unwrap().iter().map(|r| r.get(0)).collect()
    };
    assert_eq!(reminders(&mut db), ["ada@example.org"]);
    // Within the year, no other; a year later, the next.
    assert!(pass_on(&c, &ledger, 400).contains("profile reminders: 0 queued"));
    assert_eq!(reminders(&mut db).len(), 1);
    assert!(pass_on(&c, &ledger, 2 * 366).contains("profile reminders: 1 queued"));
    assert_eq!(reminders(&mut db).len(), 2);
}

#[test]
fn a_reminder_queued_before_its_consent_was_withdrawn_is_not_sent() {
    const ADA: &str = "ada@example.org";
    const DORA: &str = "dora@example.org";
    let dir = tempfile::tempdir().unwrap();
    let (c, mut sink, port) = served(dir.path());
    let ada = joined(&c, ADA, true);
    joined(&c, DORA, true);
    wait_until("the confirmations", || c.count("SELECT count(*) FROM mail_queue") == 0);
    // The relay goes away: the reminders queued a year on wait for their retry (5 s on).
    sink.stop();
    let out = pass(&c, 366);
    assert!(out.contains("profile reminders: 2 queued"), "{out}");
    wait_until("a first failed attempt of both", || c.count("SELECT count(*) FROM mail_queue WHERE attempts > 0") == 2);
    // Meanwhile Ada takes back the consent that covered her profile (community stays).
    let notice = c.widget_config().notice_version;
    let form = [("purpose", "community"), ("notice_version", notice.as_str())];
    assert_eq!(c.client.post(format!("{ada}/choices")).form(&form).send().unwrap().status().as_u16(), 200);
    let mut back = SmtpSink::new(port);
    back.start();
    wait_until("Dora's reminder", || !reminders_to(back.dir.path(), DORA).is_empty());
    wait_until("the queue to empty", || c.count("SELECT count(*) FROM mail_queue") == 0);
    assert!(reminders_to(back.dir.path(), ADA).is_empty(), "no reminder for a profile no consent covers");
}
