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
        let mut child = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args(["serve", "--config", CONFIG, "--listen", "127.0.0.1:0", "--data"])
            .arg(c.data())
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
    args.extend(c.extra.iter().cloned());
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
    let saved = c.client.post(format!("{manage}/choices")).form(&[("purpose", "community")]).send().unwrap();
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
