//! Fills a ledger with about N events for the staff console benchmark (`cargo xtask bench --only staff`):
//! alumni submitting over the last twelve months from the example articles and CTAs, most of them confirming,
//! some changing their mind, and one subject with exactly 20 events (10 submissions, each confirmed) whose proof
//! bundle is timed. Written through the collector's own [`Ledger`], in transactions of a thousand operations, so
//! that the chain, the projections and the personal data beside it are exactly what `serve` writes.
//!
//! `staff_bench_ledger DATA_DIR EVENTS` writes the SQLite ledger of DATA_DIR; `staff_bench_ledger DATA_DIR EVENTS
//! postgres://…` then copies its rows into that PostgreSQL database (`COPY … FROM STDIN`: the same bytes,
//! hashes and projections, an order of magnitude faster than one round trip a statement).
//! Device signatures are not made (nothing on the staff side checks them; the submission benchmark does).

use collector::clock::DAY_MS;
use collector::ledger::{Actor, Ledger, LedgerError, NewSubmission, Request, sha256_hex};
use collector::storage::postgres::PostgresStore;
use collector::storage::sqlite::SqliteStore;
use consent::canonical::to_canonical_string;
use consent::protocol::{Jwk, SubmissionPayload};
use consent::{Config, Locale, Notice};
use std::collections::BTreeMap;

/// The subject whose bundle the benchmark downloads.
pub const PROOF_SUBJECT: &str = "proof.subject@example.org";

const PAGES: [(&str, &str); 6] = [
    ("/portrait-lea-moreau/", "join"),
    ("/l-importance-du-reseau/", "join"),
    ("/l-ecole-recherche-ses-anciens/", "join"),
    ("/offres-emploi-du-reseau/", "join"),
    ("/portrait-karim-benali/", "interview"),
    ("/soiree-des-promotions-2026/", "event"),
];
const PROGRAMMES: [&str; 3] = ["Ingénieur généraliste", "Master management", "Bachelor numérique"];

struct Maker {
    notice_version: String,
    jwk: Jwk,
    state: u64,
    n: u64,
}

impl Maker {
    fn next(&mut self, n: u64) -> u64 {
        self.state = self.state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.state >> 33) % n
    }

    fn submission(&mut self, email: &str, at: i64) -> anyhow::Result<NewSubmission> {
        self.n += 1;
        let (page, cta) = PAGES[usize::try_from(self.next(6))?];
        let purposes: &[&str] = match cta {
            "join" => &["community", "jobs", "events"],
            "event" => &["events", "community"],
            _ => &["community"],
        };
        let mut choices = BTreeMap::new();
        for (i, p) in purposes.iter().enumerate() {
            let yes = i == 0 || self.next(3) > 0;
            choices.insert((*p).to_owned(), yes);
        }
        let payload = SubmissionPayload {
            v: 1,
            site: "association-exemple".into(),
            cta: cta.into(),
            page_url: format!("http://127.0.0.1:8080{page}"),
            locale: Locale::Fr,
            notice_version: self.notice_version.clone(),
            challenge: format!("bench-challenge-{}", self.n),
            subject: BTreeMap::from([
                ("last_name".into(), "Moreau".into()),
                ("first_name".into(), "Léa".into()),
                ("promo".into(), (2000 + self.next(25)).to_string()),
                ("programme".into(), PROGRAMMES[usize::try_from(self.next(3))?].into()),
                ("email".into(), email.into()),
            ]),
            choices: choices.clone(),
            privacy_ack: true,
            submitted_at: collector::clock::rfc3339(at),
            device_key: self.jwk.clone(),
        };
        let text = payload.to_canonical()?;
        let data = to_canonical_string(&serde_json::json!({"payload": text, "signature": "bench-unsigned"}))?;
        Ok(NewSubmission {
            record_id: format!("{:012x}r{:08}", at, self.n),
            new_subject_id: format!("{:012x}s{:08}", at, self.n),
            site: "association-exemple".into(),
            email: email.into(),
            cta: cta.into(),
            choices,
            notice_version: self.notice_version.clone(),
            locale: Locale::Fr,
            device: self.jwk.thumbprint(),
            payload_sha256: sha256_hex(text.as_bytes()),
            data,
            nonce: format!("bench-nonce-{}", self.n),
            nonce_exp_ms: at - DAY_MS,
            mail: None,
        })
    }
}

fn failed(e: anyhow::Error) -> LedgerError {
    LedgerError::Store(collector::storage::StoreError::Database(e.to_string()))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() >= 3, "usage: staff_bench_ledger DATA_DIR EVENTS [postgres://…]");
    let data = std::path::PathBuf::from(&args[1]);
    let target: u64 = args[2].parse()?;
    std::fs::create_dir_all(&data)?;
    let mut ledger = Ledger::open(Box::new(SqliteStore::open(&data)?))?;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/association-exemple/consent.toml");
    let config = Config::from_toml_str(&std::fs::read_to_string(&root)?, "consent.toml")
        .map_err(|e| anyhow::anyhow!("example config: {e:?}"))?;
    let notice = Notice::render(&config);
    let jwk = Jwk {
        kty: "EC".into(),
        crv: "P-256".into(),
        x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU".into(),
        y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0".into(),
    };
    let mut maker = Maker { notice_version: notice.version().to_string(), jwk, state: 7, n: 0 };
    let now = collector::clock::Clock::now_ms(&collector::clock::SystemClock);
    let span = 365 * DAY_MS;
    // Each alumnus adds about 1.95 events: a submission, a confirmation (nine in ten), a change (one in twenty).
    let alumni = target * 100 / 195;
    let step = span / i64::try_from(alumni.max(1))?;
    let mut at = now - span;
    let mut i = 0u64;
    while i < alumni {
        ledger.transaction(|l| {
            for _ in 0..1000 {
                if i >= alumni {
                    break;
                }
                let email = format!("alumnus.{i}@example.org");
                let s = maker.submission(&email, at).map_err(failed)?;
                let record = s.record_id.clone();
                l.submit(s, at)?;
                // One in ten never confirms, among the last days' only: older ones would have expired already
                // (and `serve` would first spend its start expiring them).
                if maker.next(10) != 0 || at < now - 5 * DAY_MS {
                    l.confirm(&record, at + 60_000)?;
                    if maker.next(20) == 0 {
                        let change = Request::Change {
                            choices: BTreeMap::from([("jobs".to_owned(), false)]),
                            notice_version: None,
                        };
                        l.act(&record, &Actor::ManageLink, &change, at + 120_000)?;
                    }
                }
                at += step;
                i += 1;
            }
            Ok(())
        })?;
    }
    // The subject of the timed proof bundle: ten submissions, each confirmed — 20 events.
    ledger.transaction(|l| {
        for _ in 0..10 {
            let s = maker.submission(PROOF_SUBJECT, now - 1000).map_err(failed)?;
            let record = s.record_id.clone();
            l.submit(s, now - 1000)?;
            l.confirm(&record, now - 500)?;
        }
        Ok(())
    })?;
    let head = ledger.store().head()?.map_or(0, |h| h.0);
    drop(ledger);
    if let Some(url) = args.get(3) {
        copy_to_postgres(&data, url)?;
    }
    println!("{head} events");
    Ok(())
}

/// Column kinds, for PostgreSQL's text COPY format.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bool,
}

/// The ledger's tables and the columns copied (PostgreSQL fills `records.write_order` itself).
const TABLES: [(&str, &[(&str, Kind)]); 5] = [
    ("events", &[("seq", Kind::Int), ("hash", Kind::Text), ("body", Kind::Text)]),
    (
        "subjects",
        &[
            ("subject_id", Kind::Text),
            ("site", Kind::Text),
            ("email", Kind::Text),
            ("created_at", Kind::Int),
            ("last_activity_at", Kind::Int),
            ("anonymised_at", Kind::Int),
        ],
    ),
    (
        "records",
        &[
            ("record_id", Kind::Text),
            ("subject_id", Kind::Text),
            ("site", Kind::Text),
            ("cta", Kind::Text),
            ("status", Kind::Text),
            ("choices", Kind::Text),
            ("notice_version", Kind::Text),
            ("locale", Kind::Text),
            ("device", Kind::Text),
            ("created_at", Kind::Int),
            ("updated_at", Kind::Int),
            ("confirmed_at", Kind::Int),
        ],
    ),
    ("record_data", &[("record_id", Kind::Text), ("subject_id", Kind::Text), ("data", Kind::Text)]),
    (
        "consents",
        &[
            ("subject_id", Kind::Text),
            ("purpose", Kind::Text),
            ("granted", Kind::Bool),
            ("record_id", Kind::Text),
            ("updated_at", Kind::Int),
            ("ever_granted", Kind::Bool),
        ],
    ),
];

/// A value in COPY's text format: `\N` for NULL; backslash, tab and line breaks escaped.
fn copy_value(value: rusqlite::types::ValueRef<'_>, kind: Kind) -> String {
    use rusqlite::types::ValueRef;
    match (value, kind) {
        (ValueRef::Null, _) => "\\N".to_owned(),
        (ValueRef::Integer(n), Kind::Bool) => if n != 0 { "t" } else { "f" }.to_owned(),
        (ValueRef::Integer(n), _) => n.to_string(),
        (ValueRef::Text(t), _) => String::from_utf8_lossy(t)
            .replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r"),
        (other, _) => format!("{other:?}"),
    }
}

fn copy_to_postgres(data: &std::path::Path, url: &str) -> anyhow::Result<()> {
    use std::io::Write;
    // Creates the tables (the collector's migrations), then hands its connection back.
    drop(PostgresStore::open(url)?);
    let sqlite = rusqlite::Connection::open(collector::storage::sqlite::database_path(data))?;
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let list = names.join(", ");
        let mut writer = client.copy_in(&format!("COPY {table} ({list}) FROM STDIN"))?;
        let mut stmt = sqlite.prepare(&format!("SELECT {list} FROM {table}"))?;
        let mut rows = stmt.query([])?;
        let mut line = String::new();
        while let Some(row) = rows.next()? {
            line.clear();
            for (i, (_, kind)) in columns.iter().enumerate() {
                if i > 0 {
                    line.push('\t');
                }
                line.push_str(&copy_value(row.get_ref(i)?, *kind));
            }
            line.push('\n');
            writer.write_all(line.as_bytes())?;
        }
        writer.finish()?;
    }
    client.batch_execute("ANALYZE")?;
    Ok(())
}
