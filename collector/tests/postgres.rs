//! The PostgreSQL backend, for real: each test starts its own PostgreSQL cluster ([`PgCluster`]), runs the real
//! `collector` binary with `--database postgres://…`, and reads what it stored with a direct connection. A store
//! test runs one script of operations on SQLite and on PostgreSQL and wants the same answers from both.

use crate::util::*;
use collector::ledger::StoredEvent;
use collector::links::{self, LinkKind};
use collector::storage::postgres::PostgresStore;
use collector::storage::sqlite::SqliteStore;
use collector::storage::{ConsentRow, NewMail, RecordData, RecordRow, RecordStatus, Store, SubjectRow};
use consent::Locale;
use consent::protocol::SubmissionAccepted;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A staff command's exit code, standard output and standard error.
fn staff(c: &Collector, args: &[&str]) -> (Option<i32>, String, String) {
    let out = c.command(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn submit(c: &Collector, device: &Device, email: &str, first_name: &str) -> SubmissionAccepted {
    let p = submission(c, device, email, first_name);
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.status().as_u16(), 201);
    response.json().unwrap()
}

fn confirm(c: &Collector, record_id: &str) {
    let token = links::sign(&c.key(), LinkKind::Confirm, SITE, record_id, now_ms(), 7);
    assert_eq!(c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(), 200);
}

fn count(db: &mut postgres::Client, sql: &str) -> i64 {
    db.query_one(sql, &[]).unwrap().get(0)
}

fn kinds(db: &mut postgres::Client) -> Vec<String> {
    db.query("SELECT body FROM events ORDER BY seq", &[])
        .unwrap()
        .iter()
        .map(|r| {
            let body: String = r.get(0);
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["kind"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn submissions_live_in_postgres_and_every_staff_command_reads_them() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let mut db = pg.client("ledger");

    // A staff command on a database `serve` never used says so, and exits 2.
    let unused = Collector::start(&[]);
    let (code, _, stderr) = staff(&unused, &["verify", "--database", &url]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no ledger in the PostgreSQL database"), "{stderr}");

    let mut c = Collector::start(&["--database", &url]);
    assert!(!c.data().join("ledger.sqlite3").exists(), "nothing goes to SQLite");
    let device = Device::new(7);
    let p = submission(&c, &device, "marie.curie@example.org", "Marie");
    let envelope = device.seal(&p);
    let response = c.post_envelope("/v1/submissions", &envelope);
    assert_eq!(response.status().as_u16(), 201);
    let accepted: SubmissionAccepted = response.json().unwrap();

    // The event, the record and the personal data beside the chain are in PostgreSQL.
    let body: String = db.query_one("SELECT body FROM events WHERE seq = 1", &[]).unwrap().get(0);
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["kind"], "submitted");
    assert_eq!(event["record_id"], accepted.record_id.as_str());
    assert_eq!(event["payload_sha256"], hex::encode(Sha256::digest(envelope.payload.as_bytes())));
    let id = accepted.record_id.as_str();
    let data: String = db.query_one("SELECT data FROM record_data WHERE record_id = $1", &[&id]).unwrap().get(0);
    assert_eq!(event["data_sha256"], hex::encode(Sha256::digest(data.as_bytes())));
    let status: String = db.query_one("SELECT status FROM records WHERE record_id = $1", &[&id]).unwrap().get(0);
    assert_eq!(status, "pending");
    assert_eq!(count(&mut db, "SELECT count(*) FROM mail_queue"), 1, "the confirmation email waits in PostgreSQL");

    // The used challenge is remembered in PostgreSQL: a replay is refused, also after a restart.
    assert_problem(c.post_envelope("/v1/submissions", &envelope), 409, "challenge-reused");
    c.restart();
    assert_problem(c.post_envelope("/v1/submissions", &envelope), 409, "challenge-reused");
    assert_eq!(kinds(&mut db), ["submitted"]);
    assert_eq!(count(&mut db, "SELECT count(*) FROM used_nonces"), 1);

    // The server ends the collector's connection (as a PostgreSQL restart does): the next batch reconnects.
    let ended: Vec<i32> = db
        .query(
            // Materialised first: in one WHERE, PostgreSQL may call pg_terminate_backend before the name test.
            "WITH writer AS MATERIALIZED (SELECT pid FROM pg_stat_activity \
             WHERE application_name = 'alumni-consent-collector') SELECT pid FROM writer WHERE pg_terminate_backend(pid)",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ended.len(), 1, "one connection, the writer's");
    // pg_terminate_backend only signals the backend: wait until it has gone, as after a server restart. (A
    // connection that dies in the middle of a batch fails that batch with a 500, which the widget retries.) The
    // terminated process, not the count: a background pass of the writer may already have reconnected.
    let gone = (0..500).any(|_| {
        let left: i64 =
            db.query_one("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", &[&ended[0]]).unwrap().get(0);
        left == 0 || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            false
        }
    });
    assert!(gone, "the terminated backend went away");
    let pierre = submit(&c, &device, "pierre@example.org", "Pierre");
    assert_eq!(pierre.receipt.body.ledger_seq, 2, "no gap, no failed request");

    // The receipt names an event the PostgreSQL ledger holds.
    let file = write(c.dir.path(), "receipt.json", &serde_json::to_string(&accepted).unwrap());
    let (code, stdout, stderr) = staff(&c, &["receipt", "verify", file.to_str().unwrap(), "--database", &url]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("ledger OK: event 1"), "{stdout}");

    // Five confirmed subjects: enough for `stats` to show counts (k = 5).
    confirm(&c, id);
    confirm(&c, pierre.record_id.as_str());
    for name in ["Irene", "Eve", "Paul"] {
        let accepted = submit(&c, &device, &format!("{}@example.org", name.to_lowercase()), name);
        confirm(&c, accepted.record_id.as_str());
    }
    assert_eq!(count(&mut db, "SELECT count(*) FROM records WHERE status = 'confirmed'"), 5);
    let (code, csv, stderr) = staff(&c, &["export", "--database", &url, "--purpose", "community"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(csv.contains("marie.curie@example.org") && csv.contains("paul@example.org"), "{csv}");
    assert_eq!(csv.lines().count(), 6, "header and five subjects: {csv}");
    let (code, json, stderr) = staff(&c, &["stats", "--database", &url, "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let stats: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(stats["subjects"], "5", "{json}");
    let (code, stdout, _) = staff(&c, &["verify", "--database", &url]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("ledger OK: 10 events"), "{stdout}");

    // Retention in the future: everyone anonymised in PostgreSQL, only counts remain, the chain still verifies.
    let (code, stdout, stderr) = staff(&c, &["purge", "--database", &url, "--now", "2040-01-01T00:00:00Z"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("5 subjects anonymised"), "{stdout}");
    assert_eq!(count(&mut db, "SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 0);
    assert_eq!(count(&mut db, "SELECT count(*) FROM record_data"), 0);
    assert!(count(&mut db, "SELECT count(*) FROM aggregates") > 0);
    let (_, json, _) = staff(&c, &["stats", "--database", &url, "--json"]);
    let stats: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(stats["anonymised"]["subjects"], "5", "{json}");
    let (code, stdout, _) = staff(&c, &["verify", "--database", &url]);
    assert_eq!(code, Some(0), "{stdout}");

    // One stored event body changed with an UPDATE: `verify` fails and names it.
    let body: String = db.query_one("SELECT body FROM events WHERE seq = 2", &[]).unwrap().get(0);
    let record: String =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["record_id"].as_str().unwrap().to_owned();
    let altered = format!("{}{}", if record.starts_with('A') { 'B' } else { 'A' }, &record[1..]);
    let changed =
        db.execute("UPDATE events SET body = replace(body, $1, $2) WHERE seq = 2", &[&record, &altered]).unwrap();
    assert_eq!(changed, 1);
    let (code, stdout, _) = staff(&c, &["verify", "--database", &url]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("ledger BROKEN: event 2"), "{stdout}");
}

#[test]
fn confirm_by_email_change_and_erase_through_postgres() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let mut db = pg.client("ledger");
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start(&["--database", &url, "--smtp", &smtp, "--mail-from", "contact@association-exemple.fr"]);
    let record = submit(&c, &Device::new(7), "marie.curie@example.org", "Marie").record_id.0;

    // The queued email left PostgreSQL's queue for the SMTP server; its link confirms.
    let mail = &sink.wait_for(1)[0];
    assert_eq!(mail.to, ["marie.curie@example.org"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count(&mut db, "SELECT count(*) FROM mail_queue") > 0 {
        assert!(std::time::Instant::now() < deadline, "the sent email stays queued");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(c.client.post(mail.link("/confirm/")).send().unwrap().status().as_u16(), 200);
    let status = |db: &mut postgres::Client| -> String {
        db.query_one("SELECT status FROM records WHERE record_id = $1", &[&record]).unwrap().get(0)
    };
    assert_eq!(status(&mut db), "confirmed");

    // The manage link: drop `jobs`, then erase everything.
    let manage = mail.link("/manage/");
    let saved = crate::changes::save_choices(&c, &manage, &["community"]);
    assert_eq!(saved.status().as_u16(), 200);
    let granted: Vec<String> = db
        .query("SELECT purpose FROM consents WHERE granted ORDER BY purpose", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(granted, ["community"]);
    let erased = c.client.post(format!("{manage}/erase")).form(&[("confirm", "yes")]).send().unwrap();
    assert_eq!(erased.status().as_u16(), 200);
    assert_eq!(kinds(&mut db), ["submitted", "confirmed", "changed", "erased"]);
    assert_eq!(status(&mut db), "erased");
    assert_eq!(count(&mut db, "SELECT count(*) FROM record_data"), 0);
    assert_eq!(count(&mut db, "SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 0);
    let (code, stdout, _) = staff(&c, &["verify", "--database", &url]);
    assert_eq!(code, Some(0), "{stdout}");
}

#[test]
fn a_bad_url_or_an_unreachable_server_exits_2_without_printing_the_password() {
    let c = Collector::start(&[]);
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let unreachable = "postgres://alice:s3cret-pw@127.0.0.1:1/consent";
    for args in [
        vec!["verify", "--database", unreachable],
        vec!["export", "--database", unreachable, "--purpose", "community"],
        vec!["stats", "--database", unreachable],
        vec!["purge", "--database", unreachable],
    ] {
        let (code, _, stderr) = staff(&c, &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot connect to PostgreSQL at postgres://alice@127.0.0.1:1/consent"), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
    }
    let data = c.dir.path().join("other");
    let serve = c.command(&[
        "serve",
        "--config",
        CONFIG,
        "--listen",
        "127.0.0.1:0",
        "--data",
        data.to_str().unwrap(),
        "--database",
        unreachable,
    ]);
    let stderr = String::from_utf8_lossy(&serve.stderr);
    assert_eq!(serve.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot connect to PostgreSQL") && !stderr.contains("s3cret"), "{stderr}");

    let (code, _, stderr) = staff(&c, &["verify", "--database", "postgres://alice:s3cret-pw@127.0.0.1:port/x"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("invalid PostgreSQL URL") && !stderr.contains("s3cret"), "{stderr}");
    let (code, _, stderr) = staff(&c, &["verify", "--database", "mysql://alice:s3cret-pw@127.0.0.1/x"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("postgres://") && !stderr.contains("s3cret"), "{stderr}");
    let (code, _, stderr) = staff(&c, &["verify"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--data DIR") && stderr.contains("--database"), "{stderr}");
}

/// One script of store operations; every answer written down, to compare the two backends.
fn script(store: &mut dyn Store) -> Vec<String> {
    let mut seen = Vec::new();
    let mut note = |what: &str, value: String| seen.push(format!("{what}: {value}"));
    let event = |seq: u64, subject: &str| {
        let body = format!("{{\"kind\":\"submitted\",\"seq\":{seq},\"subject_id\":\"{subject}\"}}");
        StoredEvent { seq, hash: format!("{seq:064}"), body }
    };
    let record = |id: &str, created_at: i64| RecordRow {
        record_id: id.into(),
        subject_id: "s1".into(),
        site: "site".into(),
        cta: "join".into(),
        status: RecordStatus::Pending,
        choices: BTreeMap::from([("community".into(), true), ("jobs".into(), false)]),
        notice_version: "v1".into(),
        locale: Locale::En,
        device: Some("device".into()),
        created_at,
        updated_at: created_at,
        confirmed_at: None,
    };
    let consent = |purpose: &str, granted: bool, at: i64| ConsentRow {
        subject_id: "s1".into(),
        purpose: purpose.into(),
        granted,
        record_id: "r1".into(),
        updated_at: at,
    };

    store.begin().unwrap();
    store.savepoint().unwrap();
    note("empty head", format!("{:?}", store.head().unwrap()));
    for (seq, subject) in [(1, "s1"), (2, "s2"), (3, "s1")] {
        store.append_event(&event(seq, subject)).unwrap();
    }
    note("head", format!("{:?}", store.head().unwrap()));
    note("after 1", format!("{:?}", store.events_after(1, 1).unwrap()));
    note("of s1", format!("{:?}", store.events_of_subject("s1").unwrap()));
    store.release().unwrap();

    // A refused operation: its savepoint undoes it and the batch goes on.
    store.savepoint().unwrap();
    store.put_site("zzz", "refused", 1).unwrap();
    note("duplicate seq refused", format!("{}", store.append_event(&event(3, "s3")).is_err()));
    store.rollback_to_savepoint().unwrap();
    store.savepoint().unwrap();
    store.put_site("b", "toml b", 1).unwrap();
    store.put_site("a", "toml a", 1).unwrap();
    store.put_site("b", "toml b2", 2).unwrap();
    note("sites", format!("{:?}", store.sites().unwrap()));
    store.put_notice("v1", "first", 1).unwrap();
    store.put_notice("v1", "second", 2).unwrap();
    note("notice", format!("{:?} {:?}", store.notice("v1").unwrap(), store.notice("v9").unwrap()));
    let nonces = [store.use_nonce("n", 10), store.use_nonce("n", 10), store.use_nonce("m", 5)];
    note("nonces", format!("{:?}", nonces.map(Result::unwrap)));
    note("pruned", format!("{}", store.prune_nonces(6).unwrap()));
    note("m again", format!("{}", store.use_nonce("m", 5).unwrap()));
    store.release().unwrap();
    store.commit().unwrap();

    store.begin().unwrap();
    let mut subject = SubjectRow {
        subject_id: "s1".into(),
        site: "site".into(),
        email: Some("a@example.org".into()),
        created_at: 1,
        last_activity_at: 1,
        anonymised_at: None,
    };
    store.put_subject(&subject).unwrap();
    subject.last_activity_at = 50;
    store.put_subject(&subject).unwrap();
    note("by email", format!("{:?}", store.subject_by_email("site", "a@example.org").unwrap()));
    note("inactive", format!("{:?} {:?}", store.subjects_inactive_since(50).unwrap(), store.subject("s9").unwrap()));
    // Same millisecond: the last written record is the device's latest, also when an older one is rewritten.
    store.put_record(&record("r1", 100)).unwrap();
    store.put_record(&record("r2", 100)).unwrap();
    note("latest", format!("{:?}", store.latest_record_of_device("site", "device").unwrap().map(|r| r.record_id)));
    let mut confirmed = record("r1", 100);
    confirmed.status = RecordStatus::Confirmed;
    confirmed.confirmed_at = Some(120);
    store.put_record(&confirmed).unwrap();
    note("latest after rewrite", format!("{:?}", store.latest_record_of_device("site", "device").unwrap()));
    note("of subject", format!("{:?}", store.records_of_subject("s1").unwrap()));
    note("pending", format!("{:?}", store.pending_before(101).unwrap()));
    for id in ["r2", "r1"] {
        store
            .put_record_data(&RecordData { record_id: id.into(), subject_id: "s1".into(), data: format!("data {id}") })
            .unwrap();
    }
    store.delete_record_data("r2").unwrap();
    note("data", format!("{:?} {:?}", store.record_data("r1").unwrap(), store.all_record_data().unwrap()));
    store.put_consent(&consent("community", true, 10)).unwrap();
    store.put_consent(&consent("jobs", false, 11)).unwrap();
    note("granted", format!("{:?}", store.granted("site", "community").unwrap()));
    store.put_consent(&consent("community", false, 12)).unwrap();
    note("consents", format!("{:?}", store.consents_of("s1").unwrap()));
    note("ever", format!("{:?} {:?}", store.ever_granted("s1").unwrap(), store.granted_all("site").unwrap()));
    store.delete_consents("s1").unwrap();
    note("deleted", format!("{:?}", store.consents_of("s1").unwrap()));
    store.add_aggregate("site", "promo", "2015", 1).unwrap();
    store.add_aggregate("site", "promo", "2015", 2).unwrap();
    store.add_aggregate("site", "ended", "retention", 1).unwrap();
    note("aggregates", format!("{:?}", store.aggregates("site").unwrap()));
    for record in ["r1", "r2"] {
        let mail = NewMail { to: "a@example.org".into(), job: format!("{{\"record_id\":\"{record}\"}}") };
        store.enqueue_mail(&mail, 1000).unwrap();
    }
    let due = store.claim_mail(1000, 10, 3000).unwrap();
    note("claimed", format!("{due:?}"));
    note("claimed again while leased", format!("{:?}", store.claim_mail(2999, 10, 9000).unwrap()));
    store.mail_retry(due[0].id, 1, 5000).unwrap();
    note(
        "due later",
        format!("{:?} {:?}", store.claim_mail(3000, 1, 4000).unwrap(), store.claim_mail(5000, 10, 9000).unwrap()),
    );
    store.delete_mail_of_record("r2").unwrap();
    note("queue", format!("{}", store.mail_queue_len().unwrap()));
    store.mail_sent(due[0].id).unwrap();
    note("queue after sent", format!("{}", store.mail_queue_len().unwrap()));
    store.commit().unwrap();

    // A rolled-back batch leaves nothing.
    store.begin().unwrap();
    store.put_site("c", "toml c", 3).unwrap();
    store.rollback().unwrap();
    note("sites after rollback", format!("{:?}", store.sites().unwrap()));
    seen
}

#[test]
fn both_backends_give_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = script(&mut SqliteStore::open(dir.path()).unwrap());

    let pg = PgCluster::start();
    pg.create_database("store");
    let url = pg.url("store");
    let not_yet = PostgresStore::open_existing(&url).map(drop).unwrap_err().to_string();
    assert!(not_yet.contains("no ledger"), "{not_yet}");
    let mut store = PostgresStore::open(&url).unwrap();
    let postgres = script(&mut store);
    for (s, p) in sqlite.iter().zip(&postgres) {
        assert_eq!(s, p);
    }
    assert_eq!(sqlite.len(), postgres.len());

    // An event that does not follow the stored head is refused (the writer then re-reads the head): no gap.
    store.begin().unwrap();
    let gap = StoredEvent { seq: 5, hash: "x".into(), body: "{}".into() };
    assert!(store.append_event(&gap).unwrap_err().to_string().contains("does not follow the stored head"));
    store.rollback().unwrap();

    // A statement error inside an operation: its savepoint undoes it and the batch still commits the rest.
    store.begin().unwrap();
    store.savepoint().unwrap();
    let not_json = StoredEvent { seq: 4, hash: "x".into(), body: "not json".into() };
    assert!(store.append_event(&not_json).is_err(), "an event is JSON naming its subject");
    store.rollback_to_savepoint().unwrap();
    store.savepoint().unwrap();
    store.put_site("kept", "toml", 4).unwrap();
    store.release().unwrap();
    store.commit().unwrap();
    assert!(store.sites().unwrap().iter().any(|(site, _)| site == "kept"));

    // PostgreSQL aborts a transaction at its first error; a batch that did not undo it must not report a commit.
    store.begin().unwrap();
    store.put_site("lost", "toml", 4).unwrap();
    assert!(store.append_event(&not_json).is_err());
    assert!(store.release().is_err());
    assert!(store.commit().is_err());
    assert!(!store.sites().unwrap().iter().any(|(site, _)| site == "lost"));
    assert_eq!(store.head().unwrap().map(|(seq, _)| seq), Some(3));

    // Opening again (another collector, a staff command) finds the schema at its version: nothing re-applied.
    drop(store);
    let mut again = PostgresStore::open_existing(&url).unwrap();
    assert_eq!(again.head().unwrap().map(|(seq, _)| seq), Some(3));
    let mut db = pg.client("store");
    let migrations =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/storage/postgres/migrations")).unwrap().count();
    assert_eq!(count(&mut db, "SELECT count(*) FROM schema_migrations"), migrations as i64, "every migration once");
}

/// A statement PostgreSQL refuses is logged with its SQLSTATE and constraint — not as a bare "db error" — and
/// without the DETAIL, which quotes the failing row (the email among it).
#[test]
fn a_refused_statement_is_logged_with_its_sqlstate_and_constraint_but_not_the_row() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let l = Logged::start(&["--database", &pg.url("ledger")]);
    submit(&l.c, &Device::new(21), "ada@example.org", "Ada");
    // An operator's constraint that this subject breaks: PostgreSQL answers 23514, DETAIL "Failing row contains …".
    let mut db = pg.client("ledger");
    db.batch_execute("ALTER TABLE subjects ADD CONSTRAINT no_curie CHECK (email NOT LIKE '%curie%')").unwrap();
    let device = Device::new(22);
    let refused = l
        .c
        .post_envelope("/v1/submissions", &device.seal(&submission(&l.c, &device, "marie.curie@example.org", "Marie")));
    assert_eq!(refused.status().as_u16(), 500);
    let log = l.wait_for_log("internal error");
    assert!(log.contains("23514") && log.contains("no_curie"), "no SQLSTATE or constraint in the log:\n{log}");
    assert!(!log.contains("curie@") && !log.contains("Failing row"), "the row's values in the log:\n{log}");
    // The refusal lost nothing already accepted, and the collector goes on.
    submit(&l.c, &Device::new(23), "grace@example.org", "Grace");
    assert_eq!(count(&mut db, "SELECT count(*) FROM subjects"), 2);
}

/// `sslmode=require` reaches a PostgreSQL server over TLS, checking its certificate against `sslrootcert`; a
/// server whose certificate nobody vouches for is refused with a clear error rather than trusted.
#[test]
fn sslmode_require_connects_over_verified_tls() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let ca = pg.restart_with_tls();
    let tcp = format!("postgres://postgres@127.0.0.1:{}/ledger?sslmode=require", pg.port);
    let verified = format!("{tcp}&sslrootcert={}", ca.display());
    let c = Collector::start(&["--database", &verified]);
    submit(&c, &Device::new(41), "tls@example.org", "Ada");
    let mut db = pg.client("ledger");
    let encrypted = count(
        &mut db,
        "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
         WHERE ssl AND application_name = 'alumni-consent-collector'",
    );
    assert_eq!(encrypted, 1, "the writer's connection is encrypted");
    assert_eq!(count(&mut db, "SELECT count(*) FROM events"), 1);

    // The same server without the CA: the certificate is unknown, the collector does not start.
    let (code, _, stderr) = staff(&c, &["verify", "--database", &tcp]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot connect to PostgreSQL at postgres://postgres@127.0.0.1"), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "the cause is named: {stderr}");
    assert_eq!(stderr.matches("cannot connect to PostgreSQL").count(), 1, "said once: {stderr}");
}

/// Events written before migration 0006 have no `subject_id` column value (the table is append-only: never
/// back-filled); a subject's events are found among both kinds, in chain order, each kind through its index.
#[test]
fn events_from_before_the_subject_column_are_still_found_by_subject() {
    let pg = PgCluster::start();
    pg.create_database("store");
    let mut store = PostgresStore::open(&pg.url("store")).unwrap();
    let body =
        |seq: u64, subject: &str| format!("{{\"kind\":\"submitted\",\"seq\":{seq},\"subject_id\":\"{subject}\"}}");
    let mut db = pg.client("store");
    // As a collector before 0006 wrote them.
    for (seq, subject) in [(1_i64, "s1"), (2, "s2")] {
        let b = body(seq.unsigned_abs(), subject);
        db.execute("INSERT INTO events (seq, hash, body) VALUES ($1, $2, $3)", &[&seq, &format!("{seq:064}"), &b])
            .unwrap();
    }
    store.begin().unwrap();
    for (seq, subject) in [(3, "s1"), (4, "s2")] {
        store.append_event(&StoredEvent { seq, hash: format!("{seq:064}"), body: body(seq, subject) }).unwrap();
    }
    store.commit().unwrap();
    let seqs = |events: Vec<StoredEvent>| events.iter().map(|e| e.seq).collect::<Vec<_>>();
    assert_eq!(seqs(store.events_of_subject("s1").unwrap()), [1, 3]);
    assert_eq!(seqs(store.events_of_subject("s2").unwrap()), [2, 4]);
    let column: Vec<Option<String>> =
        db.query("SELECT subject_id FROM events ORDER BY seq", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(column, [None, None, Some("s1".into()), Some("s2".into())]);

    // Both arms of the query use their index (a scan of the whole chain would not scale to a host's ledger).
    db.batch_execute("SET enable_seqscan = off").unwrap();
    let plan: Vec<String> = db
        .query(
            "EXPLAIN SELECT seq, hash, body FROM events WHERE subject_id = $1 \
             OR (subject_id IS NULL AND ((body::jsonb) ->> 'subject_id') = $1) ORDER BY seq",
            &[&"s1"],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("events_subject_id") && plan.contains("events_subject_before_0006"), "{plan}");
}
