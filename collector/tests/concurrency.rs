//! The ledger shared with other writers and readers: a staff command or a second `serve` appending next to a
//! running `serve`, `verify` while submissions arrive. On SQLite and on PostgreSQL.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::SubmissionAccepted;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Another `collector serve` on the data folder (and database) of a running one: the same key, the same ledger.
struct Beside {
    child: Child,
    base: String,
}

impl Beside {
    fn start(c: &Collector) -> Beside {
        Beside::start_in(c, &c.data())
    }

    /// With a data folder of its own (as on another machine): only what `extra` says is shared.
    fn start_in(c: &Collector, data: &std::path::Path) -> Beside {
        let mut child = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args(["serve", "--config", CONFIG, "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(&c.extra)
            .env("COLLECTOR_LOG", "error")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a second collector");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line.trim().strip_prefix("collector listening on ").unwrap_or_else(|| panic!("banner: {line:?}"));
        Beside { base: base.to_owned(), child }
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ledger arguments of a staff command on `c`'s ledger.
fn ledger_args(c: &Collector) -> Vec<String> {
    let mut args = vec!["--data".to_owned(), c.data().to_str().unwrap().to_owned()];
    // Only the database's: the rest of `extra` are serve's own options.
    if let Some(at) = c.extra.iter().position(|a| a == "--database") {
        args.extend(c.extra[at..at + 2].iter().cloned());
    }
    args
}

fn staff_ok(c: &Collector, command: &[&str]) -> String {
    let ledger = ledger_args(c);
    let args: Vec<&str> = command.iter().copied().chain(ledger.iter().map(String::as_str)).collect();
    let out = c.command(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{command:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Posts a fresh submission to `base` (a challenge from `c`: both collectors sign with the same key).
fn submit_to(c: &Collector, base: &str, email: &str) -> reqwest::blocking::Response {
    let device = Device::new(9);
    let envelope = device.seal(&submission(c, &device, email, "Ada"));
    c.client
        .post(format!("{base}/v1/submissions"))
        .header("content-type", "application/json")
        .header("origin", ORIGIN)
        .body(serde_json::to_vec(&envelope).unwrap())
        .send()
        .unwrap()
}

fn accepted(response: reqwest::blocking::Response, what: &str) -> String {
    assert_eq!(response.status().as_u16(), 201, "{what}: {}", response.text().unwrap_or_default());
    response.json::<SubmissionAccepted>().unwrap().record_id.0
}

/// Serve, then other writers append behind its back; every request through serve still succeeds.
fn serve_survives_a_second_writer(c: &Collector) {
    let stale = accepted(submit_to(c, &c.base, "stale@example.org"), "first submission");
    // The CLI expires the pending record: `expired` events appended by another process.
    let in_a_month = collector::clock::rfc3339(now_ms() + 30 * 86_400_000);
    let purged = staff_ok(c, &["purge", "--now", &in_a_month]);
    assert!(purged.contains("1 pending records expired"), "{purged}");

    let record = accepted(submit_to(c, &c.base, "ada@example.org"), "submission after the purge");
    // A second serve on the same ledger appends too, between each step of the first one's.
    let other = Beside::start(c);
    accepted(submit_to(c, &other.base, "grace@example.org"), "submission to the second collector");
    let token = links::sign(&c.key(), LinkKind::Confirm, SITE, &record, now_ms(), 7);
    let confirmed = c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap();
    assert_eq!(confirmed.status().as_u16(), 200, "confirmation after another writer");
    accepted(submit_to(c, &other.base, "alan@example.org"), "second submission to the second collector");
    let manage =
        links::url(&c.base, LinkKind::Manage, &links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90));
    assert_eq!(c.client.get(&manage).send().unwrap().status().as_u16(), 200, "manage page");
    let saved = crate::changes::save_choices(c, &manage, &["community"]);
    assert_eq!(saved.status().as_u16(), 200, "change after another writer");
    accepted(submit_to(c, &other.base, "edsger@example.org"), "third submission to the second collector");
    let erased = c.client.post(format!("{manage}/erase")).form(&[("confirm", "yes")]).send().unwrap();
    assert_eq!(erased.status().as_u16(), 200, "erasure after another writer");

    let verified = staff_ok(c, &["verify"]);
    // submitted, expired, submitted ×2 (one per collector), confirmed, submitted, changed, submitted, erased.
    assert!(verified.contains("ledger OK: 9 events"), "{verified} (stale record {stale})");
}

#[test]
fn a_purge_from_the_cli_and_a_second_serve_do_not_break_serve_on_sqlite() {
    serve_survives_a_second_writer(&Collector::start(&[]));
}

#[test]
fn a_purge_from_the_cli_and_a_second_serve_do_not_break_serve_on_postgres() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    serve_survives_a_second_writer(&Collector::start(&["--database", &pg.url("ledger")]));
}

/// `collector verify` again and again while submissions commit beside it: every run passes. Before verify read
/// one snapshot, a record committed between its chain walk and its read of the held data was reported as broken.
fn verify_passes_under_load(c: &Collector) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let arrived = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = (0..3u8)
        .map(|w| {
            let (stop, base, client) = (stop.clone(), c.base.clone(), c.client.clone());
            let arrived = arrived.clone();
            // Signed envelopes made ahead, so that the threads spend their time committing, not signing.
            let bodies: Vec<Vec<u8>> = (0..400u32)
                .map(|i| {
                    let device = Device::new(1 + w * 50 + (i % 50) as u8);
                    let payload = submission(c, &device, &format!("load-{w}-{i}@example.org"), "Ada");
                    serde_json::to_vec(&device.seal(&payload)).unwrap()
                })
                .collect();
            std::thread::spawn(move || {
                let mut sent = 0;
                for body in bodies {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let response = client
                        .post(format!("{base}/v1/submissions"))
                        .header("content-type", "application/json")
                        .header("origin", ORIGIN)
                        .body(body)
                        .send()
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap_or_default());
                    sent += 1;
                    arrived.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                sent
            })
        })
        .collect();
    let mut runs = 0;
    let mut failures = Vec::new();
    // 60 runs, and on a loaded machine more, until enough submissions arrived beside them to prove anything.
    let enough = |runs: usize| runs >= 60 && arrived.load(std::sync::atomic::Ordering::Relaxed) >= 20;
    while !writers.iter().all(std::thread::JoinHandle::is_finished) && !enough(runs) && runs < 600 {
        let ledger = ledger_args(c);
        let args: Vec<&str> = ["verify"].into_iter().chain(ledger.iter().map(String::as_str)).collect();
        let out = c.command(&args);
        runs += 1;
        if !out.status.success() {
            failures.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(
        failures.is_empty(),
        "{} of {runs} verify runs failed while {sent} submissions arrived: {failures:?}",
        failures.len()
    );
    assert!(runs >= 5 && sent >= 20, "too little overlap to prove anything: {runs} runs, {sent} submissions");
    assert!(staff_ok(c, &["verify"]).contains(&format!("ledger OK: {sent} events")));
}

#[test]
fn verify_passes_while_submissions_arrive_on_sqlite() {
    verify_passes_under_load(&Collector::start(&["--ip-rate-limit", "0", "--email-rate-limit", "0"]));
}

#[test]
fn verify_passes_while_submissions_arrive_on_postgres() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    verify_passes_under_load(&Collector::start(&[
        "--database",
        &pg.url("ledger"),
        "--ip-rate-limit",
        "0",
        "--email-rate-limit",
        "0",
    ]));
}

/// Two `collector serve` on one PostgreSQL database, each with its own data folder (as on two machines) and one
/// shared `--key-file`, submissions sent to both in turn: every 201 is in the ledger and `verify` passes, each
/// one's receipts verify with the shared key, a challenge from one is spent on the other, and their two mail
/// senders deliver each confirmation exactly once (counted at a real SMTP server: before emails were claimed,
/// both senders took every due email).
#[test]
fn two_collectors_on_one_postgres_database_share_the_ledger_nonces_and_mail_queue() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let url = pg.url("ledger");
    let secrets = tempfile::tempdir().unwrap();
    let key_file = secrets.path().join("collector-key.seed");
    let key_path = key_file.to_str().unwrap();
    let c = Collector::start(&[
        "--key-file",
        key_path,
        "--database",
        &url,
        "--smtp",
        &smtp,
        "--ip-rate-limit",
        "0",
        "--email-rate-limit",
        "0",
    ]);
    let elsewhere = tempfile::tempdir().unwrap();
    let other = Beside::start_in(&c, elsewhere.path());
    let key =
        consent::signature::CollectorKey::from_seed(std::fs::read(&key_file).unwrap().try_into().unwrap()).public();
    assert!(!c.data().join("collector-key.seed").exists(), "the key comes from --key-file only");
    const EACH: usize = 15;
    let mut accepted_ids = Vec::new();
    for i in 0..2 * EACH {
        let base = if i % 2 == 0 { &c.base } else { &other.base };
        let response = submit_to(&c, base, &format!("both-{i}@example.org"));
        assert_eq!(response.status().as_u16(), 201, "submission {i}");
        let answer: SubmissionAccepted = response.json().unwrap();
        key.verify_receipt(&answer.receipt).unwrap_or_else(|e| panic!("receipt {i}: {e}"));
        accepted_ids.push(answer.record_id.0);
    }
    // A challenge fetched from one and used there is spent on the other too.
    let device = Device::new(31);
    let envelope = serde_json::to_vec(&device.seal(&submission(&c, &device, "once@example.org", "Ada"))).unwrap();
    let post = |base: &str| {
        c.client
            .post(format!("{base}/v1/submissions"))
            .header("content-type", "application/json")
            .header("origin", ORIGIN)
            .body(envelope.clone())
            .send()
            .unwrap()
    };
    assert_eq!(post(&c.base).status().as_u16(), 201);
    assert_problem(post(&other.base), 409, "challenge-reused");

    let mails = sink.wait_for(2 * EACH + 1);
    // Time for a second copy to arrive, if either sender were to send one.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let mails = if sink.messages().len() > mails.len() { sink.messages() } else { mails };
    let mut recipients: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    let sent = recipients.len();
    recipients.dedup();
    assert_eq!((sent, recipients.len()), (2 * EACH + 1, 2 * EACH + 1), "each confirmation exactly once");
    let verified = staff_ok(&c, &["verify"]);
    assert!(verified.contains(&format!("ledger OK: {} events", 2 * EACH + 1)), "{verified} ({accepted_ids:?})");
}
