//! The PostgreSQL backend, chosen by `--database postgres://…`: the same tables, columns and semantics as
//! [`super::sqlite`], for hosts that serve many schools. All PostgreSQL SQL of the collector lives here and in
//! `migrations/`.
//!
//! One connection, owned by the writer thread (or by a staff command). [`postgres::Client`] blocks on a tokio
//! runtime of its own, so it must never be called, nor dropped, from inside another runtime: `serve` opens it
//! outside (see `cmd/serve.rs`) and then hands it to the writer's plain thread.
//!
//! Durability: every session sets `synchronous_commit = on` (PostgreSQL's default, forced here in case the server
//! was configured otherwise), so `COMMIT` returns once the WAL is flushed, as SQLite's `synchronous=FULL`.
//! Transactions are driven by plain `BEGIN`/`COMMIT`/`SAVEPOINT` statements because the [`Store`] trait splits
//! them across calls; since PostgreSQL aborts a whole transaction at its first error (SQLite does not), the
//! store remembers such an error and refuses to report a `COMMIT` that PostgreSQL would turn into a rollback.
//!
//! Round trips: the rows of a submission (nonce, subject, record, data, event, email) are held in memory
//! ([`deferred`]) and sent at `COMMIT` in one statement (a multi-row `unnest` per table), and its savepoint
//! exists only in memory; its two reads (is the nonce used, who has this email) are asked for the whole batch at
//! once right after `BEGIN`, with the chain's head ([`prefetch`]), so a batch of submissions waits on the same four
//! round trips whatever its size: `BEGIN` with the lock, the reads, the held rows, `COMMIT`.
//! Any other statement first sends the held rows (and, inside an operation, opens its `SAVEPOINT`), so every read
//! sees the batch's writes. The price: a held row that PostgreSQL refuses at `COMMIT` (only a rule an operator
//! added can, the ledger's own rows are checked before they are held) fails the whole batch, every caller told,
//! nothing stored.

pub mod campaign;
pub mod console;
mod deferred;
mod error;
mod prefetch;
pub mod profile_reminder;
pub mod staff;
mod tls;

pub use error::PgFailure;

use super::{
    AggregateRow, ConsentRow, NewMail, QueuedMail, RecordData, RecordRow, RecordStatus, Store, StoreError, SubjectRow,
};
use crate::storage::StoredEvent;
use consent::Locale;
use deferred::{Deferred, Held, Marks};
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row, Statement};
use prefetch::Prefetched;
use std::collections::HashMap;
use std::time::Duration;

/// The migrations, in order; the table `schema_migrations` lists those applied.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_staff.sql"),
    include_str!("migrations/0003_campaigns.sql"),
    include_str!("migrations/0004_staff_throttle.sql"),
    include_str!("migrations/0005_profile_reminder.sql"),
    include_str!("migrations/0006_events_subject.sql"),
];

/// The advisory lock taken while migrating, so that several collectors starting at once migrate one at a time
/// (an arbitrary constant: "consent" in ASCII).
const MIGRATION_LOCK: i64 = 0x0063_6f6e_7365_6e74;

/// `BEGIN`, then the advisory lock every write transaction takes first (0x6c6564676572, "ledger" in ASCII), in
/// one round trip: appends from every process on the database — each `serve`, each staff command — follow one
/// another, and each re-reads the chain head under the lock. `COMMIT` or `ROLLBACK` releases it.
const BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock(119182731994482)";

/// The one field of an event's body stored beside it (`events.subject_id`).
#[derive(serde::Deserialize)]
struct EventSubject {
    subject_id: Option<String>,
}

/// How long to wait for a server that does not answer, unless the URL says `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.get(..13).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Where a URL points, for messages: user, hosts, ports and database, never the password.
pub fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let name = match host {
                postgres::config::Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or_else(|| config.get_ports().first()) {
                Some(port) => format!("{name}:{port}"),
                None => name,
            }
        })
        .collect();
    let user = config.get_user().unwrap_or("(default user)");
    let dbname = config.get_dbname().unwrap_or(user);
    format!("postgres://{user}@{}/{dbname}", hosts.join(","))
}

/// Where and how to connect: the client library's settings and, for `sslmode=require`, the TLS connector.
struct Target {
    config: Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

/// Parses a `postgres://` URL without ever echoing it (it may hold a password).
fn parse_url(url: &str) -> Result<Target, StoreError> {
    if !is_postgres_url(url) {
        return Err(StoreError::Database("the database URL must start with postgres:// or postgresql://".into()));
    }
    let tls = tls::options(url);
    let mut config: Config =
        tls.url.parse().map_err(|e| StoreError::Database(format!("invalid PostgreSQL URL (not shown): {e}")))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("alumni-consent-collector");
    }
    let tls = if tls.required { Some(tls::connector(tls.root_cert.as_deref())?) } else { None };
    Ok(Target { config, tls })
}

/// Opens a connection (over TLS when the URL asks) and makes its commits durable.
fn connect(target: &Target) -> Result<Client, StoreError> {
    let config = &target.config;
    let connected = match &target.tls {
        Some(tls) => config.connect(tls.clone()),
        None => config.connect(NoTls),
    };
    let mut client = connected
        .map_err(|e| PgFailure::new(e, Some(format!("cannot connect to PostgreSQL at {}", describe(config)))))?;
    client
        .batch_execute("SET synchronous_commit = on")
        .map_err(|e| PgFailure::new(e, Some(format!("PostgreSQL at {}", describe(config)))))?;
    Ok(client)
}

/// A connection to the collector's PostgreSQL database.
pub struct PostgresStore {
    target: Target,
    client: Client,
    /// Statements prepared once per connection, by SQL text (all `'static`: no SQL is built at run time).
    statements: HashMap<&'static str, Statement>,
    /// Inside `BEGIN` … `COMMIT`/`ROLLBACK`.
    in_transaction: bool,
    /// A statement failed: PostgreSQL refuses everything until `ROLLBACK TO SAVEPOINT` or `ROLLBACK`.
    aborted: bool,
    /// A savepoint could not be opened or released: only a full rollback is safe now.
    poisoned: bool,
    /// The failure that set `aborted` came from the server (whose transaction is then aborted), not from a check
    /// of ours on a held row.
    server_failed: bool,
    /// Rows written and not sent yet ([`deferred`]).
    deferred: Deferred,
    /// The operation under way, between `savepoint` and `release` or `rollback_to_savepoint`.
    op: Option<Op>,
    /// The last stored event's sequence number (0: none) read under this transaction's write lock.
    stored_head: Option<u64>,
    /// The database's answers to the batch's reads, asked for at once ([`prefetch`]).
    prefetched: Prefetched,
    /// Requests sent and waited for on this connection (statements, prepares, transaction control).
    round_trips: u64,
}

/// One operation's savepoint: where its held rows begin, and whether PostgreSQL has a `SAVEPOINT` for it (opened
/// only when the operation sends a statement; a submission's rows are all held, so it needs none).
#[derive(Debug, Clone, Copy)]
struct Op {
    marks: Marks,
    real: bool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgresStore({})", describe(&self.target.config))
    }
}

/// Sequence numbers never come near 2^63.
fn seq_sql(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A PostgreSQL error as a store error (shown with its SQLSTATE, without the values it quotes).
pub(crate) fn db(e: postgres::Error) -> StoreError {
    PgFailure::new(e, None).into()
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The record columns, in the order [`record_from_row`] reads them.
macro_rules! record_columns {
    () => {
        "record_id, subject_id, site, cta, status, choices, notice_version, locale, device, created_at, updated_at, \
         confirmed_at"
    };
}

/// The subject columns, in the order [`subject_from_row`] reads them.
macro_rules! subject_columns {
    () => {
        "subject_id, site, email, created_at, last_activity_at, anonymised_at"
    };
}

/// A consents query joined to the subjects, in the order of SQLite's (`ORDER BY c.updated_at, c.subject_id`).
macro_rules! consents_where {
    ($clause:literal) => {
        concat!(
            "SELECT c.subject_id, c.purpose, c.granted, c.record_id, c.updated_at FROM consents c ",
            "JOIN subjects s ON s.subject_id = c.subject_id WHERE ",
            $clause,
            " ORDER BY c.updated_at, c.subject_id"
        )
    };
}

fn record_from_row(row: &Row) -> Result<RecordRow, StoreError> {
    let status: String = row.try_get(4).map_err(corrupt)?;
    let choices: String = row.try_get(5).map_err(corrupt)?;
    let locale: String = row.try_get(7).map_err(corrupt)?;
    Ok(RecordRow {
        record_id: row.try_get(0).map_err(corrupt)?,
        subject_id: row.try_get(1).map_err(corrupt)?,
        site: row.try_get(2).map_err(corrupt)?,
        cta: row.try_get(3).map_err(corrupt)?,
        status: RecordStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        choices: serde_json::from_str(&choices).map_err(corrupt)?,
        notice_version: row.try_get(6).map_err(corrupt)?,
        locale: Locale::from_tag(&locale),
        device: row.try_get(8).map_err(corrupt)?,
        created_at: row.try_get(9).map_err(corrupt)?,
        updated_at: row.try_get(10).map_err(corrupt)?,
        confirmed_at: row.try_get(11).map_err(corrupt)?,
    })
}

/// A column that is NULL only in the rows of another kind (see [`PostgresStore::prefetch`]).
fn required<T>(value: Option<T>) -> Result<T, StoreError> {
    value.ok_or_else(|| corrupt("NULL where a subject's column cannot be"))
}

fn subject_from_row(row: &Row) -> Result<SubjectRow, StoreError> {
    Ok(SubjectRow {
        subject_id: row.try_get(0).map_err(corrupt)?,
        site: row.try_get(1).map_err(corrupt)?,
        email: row.try_get(2).map_err(corrupt)?,
        created_at: row.try_get(3).map_err(corrupt)?,
        last_activity_at: row.try_get(4).map_err(corrupt)?,
        anonymised_at: row.try_get(5).map_err(corrupt)?,
    })
}

fn consent_from_row(row: &Row) -> Result<ConsentRow, StoreError> {
    Ok(ConsentRow {
        subject_id: row.try_get(0).map_err(corrupt)?,
        purpose: row.try_get(1).map_err(corrupt)?,
        granted: row.try_get(2).map_err(corrupt)?,
        record_id: row.try_get(3).map_err(corrupt)?,
        updated_at: row.try_get(4).map_err(corrupt)?,
    })
}

fn event_from_row(row: &Row) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        seq: row.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(),
        hash: row.try_get(1).map_err(corrupt)?,
        body: row.try_get(2).map_err(corrupt)?,
    })
}

fn data_from_row(row: &Row) -> Result<RecordData, StoreError> {
    Ok(RecordData {
        record_id: row.try_get(0).map_err(corrupt)?,
        subject_id: row.try_get(1).map_err(corrupt)?,
        data: row.try_get(2).map_err(corrupt)?,
    })
}

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl PostgresStore {
    /// Connects to the database a `postgres://` URL names, creating or upgrading the collector's tables.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let target = parse_url(url)?;
        let client = connect(&target)?;
        let mut store = PostgresStore {
            target,
            client,
            statements: HashMap::new(),
            in_transaction: false,
            aborted: false,
            poisoned: false,
            server_failed: false,
            deferred: Deferred::default(),
            op: None,
            stored_head: None,
            prefetched: Prefetched::default(),
            round_trips: 0,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opens a read-only connection for the read pool ([`crate::reader`]): a write through it fails.
    pub fn open_reader(url: &str) -> Result<PostgresStore, StoreError> {
        let mut store = PostgresStore::open_existing(url)?;
        // Told apart from the writer's connection in `pg_stat_activity`.
        store.control("SET default_transaction_read_only = on; SET application_name = 'alumni-consent-reader'")?;
        Ok(store)
    }

    /// Like [`PostgresStore::open`], for staff commands: fails if `serve` never created the tables there.
    pub fn open_existing(url: &str) -> Result<PostgresStore, StoreError> {
        let target = parse_url(url)?;
        let mut client = connect(&target)?;
        let found = client
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
            .and_then(|row| row.try_get::<_, bool>(0))
            .map_err(|e| PgFailure::new(e, Some(format!("PostgreSQL at {}", describe(&target.config)))))?;
        if !found {
            return Err(StoreError::Database(format!(
                "no ledger in the PostgreSQL database {} (start `collector serve --database …` on it first)",
                describe(&target.config)
            )));
        }
        let mut store = PostgresStore {
            target,
            client,
            statements: HashMap::new(),
            in_transaction: false,
            aborted: false,
            poisoned: false,
            server_failed: false,
            deferred: Deferred::default(),
            op: None,
            stored_head: None,
            prefetched: Prefetched::default(),
            round_trips: 0,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Reads at once what a write batch will look up — the chain's head, whether these nonces are used, which
    /// stored subjects hold these addresses — in one statement, so that each operation finds its answer in memory
    /// instead of waiting on a round trip ([`prefetch`] says why the answers are those it would have read).
    /// Only inside a write transaction, i.e. under the ledger's lock; elsewhere it does nothing.
    pub fn prefetch(&mut self, nonces: &[(&str, i64)], emails: &[(&str, &str)]) -> Result<(), StoreError> {
        if !self.in_transaction || self.aborted || self.poisoned {
            return Ok(());
        }
        self.prefetched.clear();
        let (nonce, exp): (Vec<&str>, Vec<i64>) = nonces.iter().copied().unzip();
        let (site, email): (Vec<&str>, Vec<&str>) = emails.iter().copied().unzip();
        // One statement for the three reads (its snapshot is taken after the lock, which the statement before it
        // waited for): each row says which read it answers in its first column. Each key is looked up by a
        // `LATERAL … LIMIT 1` so that the plan is one index probe per key whatever the statistics say: a plain
        // join, prepared while the tables were new (a fresh database, before autovacuum's first ANALYZE), kept a
        // hash join over a sequential scan of every used nonce and subject for the connection's life.
        let rows = self.read_all_beside_held(
            concat!(
                "SELECT 0::int2, e.seq, e.hash, NULL::text, NULL::text, NULL::bigint, NULL::bigint ",
                "FROM (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) AS e ",
                "UNION ALL SELECT 1::int2, u.exp, u.nonce, NULL, NULL, NULL, NULL ",
                "FROM unnest($1::text[], $2::bigint[]) AS k (nonce, exp) CROSS JOIN LATERAL (SELECT exp, nonce ",
                "FROM used_nonces WHERE exp = k.exp AND nonce = k.nonce LIMIT 1) AS u ",
                "UNION ALL SELECT 2::int2, s.created_at, s.subject_id, s.site, s.email, s.last_activity_at, ",
                "s.anonymised_at FROM unnest($3::text[], $4::text[]) AS k (site, email) CROSS JOIN LATERAL (",
                "SELECT * FROM subjects WHERE site = k.site AND email = k.email AND email IS NOT NULL LIMIT 1) AS s"
            ),
            &[&nonce, &exp, &site, &email],
        )?;
        let (mut head, mut used, mut found) = (None, Vec::new(), Vec::new());
        for r in &rows {
            let number: i64 = r.try_get(1).map_err(corrupt)?;
            let text: String = r.try_get(2).map_err(corrupt)?;
            match r.try_get::<_, i16>(0).map_err(corrupt)? {
                0 => head = Some((number.unsigned_abs(), text)),
                1 => used.push((text, number)),
                _ => found.push(SubjectRow {
                    subject_id: text,
                    site: required(r.try_get(3).map_err(corrupt)?)?,
                    email: r.try_get(4).map_err(corrupt)?,
                    created_at: number,
                    last_activity_at: required(r.try_get(5).map_err(corrupt)?)?,
                    anonymised_at: r.try_get(6).map_err(corrupt)?,
                }),
            }
        }
        self.stored_head = Some(head.as_ref().map_or(0, |(seq, _)| *seq));
        self.prefetched.head_answered(head);
        self.prefetched.nonces_answered(nonces, used);
        self.prefetched.subjects_answered(emails, found);
        Ok(())
    }

    /// Requests this connection has sent and waited for (each statement, prepare or transaction-control batch
    /// is one): what a batch costs beyond its `COMMIT`, counted by tests and benchmarks.
    pub fn round_trips(&self) -> u64 {
        self.round_trips
    }

    /// Applies the missing migrations, each recorded in `schema_migrations`, under an advisory lock.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let place = describe(&self.target.config);
        let fail = |e: postgres::Error| PgFailure::new(e, Some(format!("migrating PostgreSQL at {place}"))).into();
        // Up to date: no DDL and no lock, so the collector's own role needs no CREATE on the schema (least
        // privilege, docs/operating.md §2); only a pending migration needs the owner.
        if self.applied_migrations().map_err(fail)? >= MIGRATIONS.len() {
            return Ok(());
        }
        let mut tx = self.client.transaction().map_err(fail)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(fail)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .map_err(fail)?;
        let applied: i32 =
            tx.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).map_err(fail)?.get(0);
        let applied = usize::try_from(applied).unwrap_or(0);
        let now = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            tx.batch_execute(sql).map_err(fail)?;
            let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
            tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", &[&version, &now])
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    /// How many migrations `schema_migrations` lists (0 on a fresh database).
    fn applied_migrations(&mut self) -> Result<usize, postgres::Error> {
        let found: bool =
            self.client.query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?.try_get(0)?;
        if !found {
            return Ok(0);
        }
        let applied: i32 =
            self.client.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[])?.try_get(0)?;
        Ok(usize::try_from(applied).unwrap_or(0))
    }

    /// Replaces a closed connection (prepared statements belong to the old one).
    fn reconnect(&mut self) -> Result<(), StoreError> {
        tracing::warn!("the PostgreSQL connection was closed; reconnecting");
        self.client = connect(&self.target)?;
        self.statements.clear();
        Ok(())
    }

    /// Turns a driver error into a [`StoreError`], remembering that it aborted the transaction.
    fn failed(&mut self, e: postgres::Error) -> StoreError {
        if self.in_transaction {
            self.aborted = true;
            self.server_failed = true;
        }
        db(e)
    }

    /// Forgets what belonged to the transaction that begins or ended.
    fn forget_transaction(&mut self) {
        self.aborted = false;
        self.poisoned = false;
        self.server_failed = false;
        self.deferred = Deferred::default();
        self.op = None;
        self.stored_head = None;
        self.prefetched.clear();
    }

    /// Refuses a row before it is held, as PostgreSQL would have refused the statement: the operation must be
    /// undone before the transaction goes on.
    fn refuse(&mut self, message: String) -> StoreError {
        if self.in_transaction {
            self.aborted = true;
        }
        StoreError::Database(message)
    }

    /// Sends the held rows before a statement that may read or write them. Inside an operation whose savepoint
    /// exists only in memory, the earlier operations' rows go first, then `SAVEPOINT`, then the operation's own,
    /// so that undoing it still keeps the rest of the batch.
    fn sync(&mut self) -> Result<(), StoreError> {
        match self.op {
            Some(op) if !op.real && self.in_transaction => {
                let own = self.deferred.split_off(op.marks);
                self.flush()?;
                self.control("SAVEPOINT op").inspect_err(|_| self.poisoned = true)?;
                self.op = Some(Op { marks: Marks::default(), real: true });
                self.deferred = own;
                self.flush()
            }
            _ => self.flush(),
        }
    }

    /// After a row was held: outside a transaction it is written at once; a long transaction sends its rows
    /// every [`deferred::FLUSH_AT`].
    fn held(&mut self) -> Result<(), StoreError> {
        if !self.in_transaction || self.deferred.len() >= deferred::FLUSH_AT { self.sync() } else { Ok(()) }
    }

    /// Sends every held row in one statement: a data-modifying `WITH` per table (`unnest` of one array per
    /// column; a table without rows gets empty arrays), one round trip where one statement per table cost six.
    /// They touch different tables and no constraint links them, so the order PostgreSQL runs them in does not
    /// matter; a row refused fails the statement, i.e. the whole batch, as before.
    fn flush(&mut self) -> Result<(), StoreError> {
        let rows = std::mem::take(&mut self.deferred);
        if rows.len() == 0 {
            return Ok(());
        }
        // Stored now, these rows are no longer consulted beside the prefetched answers, which they outdate.
        self.prefetched.clear();
        let (nonces, exps): (Vec<&str>, Vec<i64>) = rows.nonces.iter().map(|(n, e)| (n.as_str(), *e)).unzip();
        let subjects = deferred::latest_per_key(&rows.subjects, |s| s.subject_id.as_str(), true);
        let subject_text = |f: fn(&SubjectRow) -> &str| subjects.iter().map(|s| f(s)).collect::<Vec<_>>();
        // A key written first under the promise that it is new goes in with a plain INSERT (no speculative
        // insertion: ≈ 1.2 µs a record, 2.6 a data row, docs/benchmarks.md); the others are upserts.
        let records = deferred::latest_per_key(&rows.records, |(r, _)| r.record_id.as_str(), false);
        let new_records = deferred::promised_new(&rows.records, |(r, new)| (r.record_id.as_str(), *new));
        let new_data = deferred::promised_new(&rows.data, |(d, new)| (d.record_id.as_str(), *new));
        let (records, fresh_records): (Vec<&RecordRow>, Vec<bool>) =
            records.into_iter().map(|(r, _)| (r, new_records.contains(r.record_id.as_str()))).unzip();
        let choices = records.iter().map(|r| serde_json::to_string(&r.choices)).collect::<Result<Vec<_>, _>>();
        let choices = choices.map_err(corrupt)?;
        let record_text = |f: fn(&RecordRow) -> &str| records.iter().map(|r| f(r)).collect::<Vec<_>>();
        let record_number = |f: fn(&RecordRow) -> i64| records.iter().map(|r| f(r)).collect::<Vec<_>>();
        let data = deferred::latest_per_key(&rows.data, |(d, _)| d.record_id.as_str(), false);
        let (data, fresh_data): (Vec<&RecordData>, Vec<bool>) =
            data.into_iter().map(|(d, _)| (d, new_data.contains(d.record_id.as_str()))).unzip();
        let data_text = |f: fn(&RecordData) -> &str| data.iter().map(|d| f(d)).collect::<Vec<_>>();
        let first_event = rows.events.first().map(|(e, _)| seq_sql(e.seq));
        let row = self.send_one(
            concat!(
                "WITH nonces_in AS (INSERT INTO used_nonces (nonce, exp) ",
                "SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING), ",
                "subjects_in AS (INSERT INTO subjects (",
                subject_columns!(),
                ") SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) ",
                "ON CONFLICT (subject_id) DO UPDATE SET site = excluded.site, email = excluded.email, ",
                "created_at = excluded.created_at, last_activity_at = excluded.last_activity_at, ",
                "anonymised_at = excluded.anonymised_at), ",
                // `write_order` is the next number, in the order of the rows, on insert and on update alike, like
                // SQLite's rowid under INSERT OR REPLACE: drawn here once per row (a CTE read twice is computed
                // once), before the rows part into plain inserts and upserts.
                "records_src AS (SELECT u.*, nextval('records_write_order') AS write_order FROM unnest(",
                "$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], ",
                "$16::text[], $17::text[], $18::bigint[], $19::bigint[], $20::bigint[], $32::bool[]) AS u (",
                record_columns!(),
                ", fresh)), ",
                "records_new AS (INSERT INTO records (",
                record_columns!(),
                ", write_order) SELECT ",
                record_columns!(),
                ", write_order FROM records_src WHERE fresh), ",
                "records_in AS (INSERT INTO records (",
                record_columns!(),
                ", write_order) SELECT ",
                record_columns!(),
                ", write_order FROM records_src WHERE NOT fresh ",
                "ON CONFLICT (record_id) DO UPDATE SET subject_id = excluded.subject_id, site = excluded.site, ",
                "cta = excluded.cta, status = excluded.status, choices = excluded.choices, ",
                "notice_version = excluded.notice_version, locale = excluded.locale, device = excluded.device, ",
                "created_at = excluded.created_at, updated_at = excluded.updated_at, ",
                "confirmed_at = excluded.confirmed_at, write_order = excluded.write_order), ",
                "data_src AS (SELECT * FROM unnest($21::text[], $22::text[], $23::text[], $33::bool[]) ",
                "AS u (record_id, subject_id, data, fresh)), ",
                "data_new AS (INSERT INTO record_data (record_id, subject_id, data) ",
                "SELECT record_id, subject_id, data FROM data_src WHERE fresh), ",
                "data_in AS (INSERT INTO record_data (record_id, subject_id, data) ",
                "SELECT record_id, subject_id, data FROM data_src WHERE NOT fresh ON CONFLICT (record_id) ",
                "DO UPDATE SET subject_id = excluded.subject_id, data = excluded.data), ",
                // Only right after the stored head (checked again here: the rows were held against the head read
                // under this transaction's lock, and a gap in the chain must never be written).
                "events_in AS (INSERT INTO events (seq, hash, body, subject_id) ",
                "SELECT * FROM unnest($24::bigint[], $25::text[], $26::text[], $31::text[]) ",
                "WHERE $27::bigint = (SELECT coalesce(max(seq), 0) + 1 FROM events) RETURNING seq), ",
                // The `message` column holds the job (see `NewMail`); ids are given in the order of the rows.
                "mail_in AS (INSERT INTO mail_queue (to_addr, message, attempts, next_attempt_at, created_at) ",
                "SELECT t, j, 0, n, n FROM unnest($28::text[], $29::text[], $30::bigint[]) AS u (t, j, n)) ",
                "SELECT count(*) FROM events_in"
            ),
            &[
                &nonces,
                &exps,
                &subject_text(|s| &s.subject_id),
                &subject_text(|s| &s.site),
                &subjects.iter().map(|s| s.email.as_deref()).collect::<Vec<_>>(),
                &subjects.iter().map(|s| s.created_at).collect::<Vec<_>>(),
                &subjects.iter().map(|s| s.last_activity_at).collect::<Vec<_>>(),
                &subjects.iter().map(|s| s.anonymised_at).collect::<Vec<_>>(),
                &record_text(|r| &r.record_id),
                &record_text(|r| &r.subject_id),
                &record_text(|r| &r.site),
                &record_text(|r| &r.cta),
                &record_text(|r| r.status.as_str()),
                &choices,
                &record_text(|r| &r.notice_version),
                &record_text(|r| r.locale.tag()),
                &records.iter().map(|r| r.device.as_deref()).collect::<Vec<_>>(),
                &record_number(|r| r.created_at),
                &record_number(|r| r.updated_at),
                &records.iter().map(|r| r.confirmed_at).collect::<Vec<_>>(),
                &data_text(|d| &d.record_id),
                &data_text(|d| &d.subject_id),
                &data_text(|d| &d.data),
                &rows.events.iter().map(|(e, _)| seq_sql(e.seq)).collect::<Vec<_>>(),
                &rows.events.iter().map(|(e, _)| e.hash.as_str()).collect::<Vec<_>>(),
                &rows.events.iter().map(|(e, _)| e.body.as_str()).collect::<Vec<_>>(),
                &first_event,
                &rows.mail.iter().map(|(m, _)| m.to.as_str()).collect::<Vec<_>>(),
                &rows.mail.iter().map(|(m, _)| m.job.as_str()).collect::<Vec<_>>(),
                &rows.mail.iter().map(|(_, at)| *at).collect::<Vec<_>>(),
                &rows.events.iter().map(|(_, subject)| subject.as_str()).collect::<Vec<_>>(),
                &fresh_records,
                &fresh_data,
            ],
        )?;
        let inserted = row.try_get::<_, i64>(0).map_err(corrupt)?;
        if let (Some((first, _)), Some((last, _))) = (rows.events.first(), rows.events.last()) {
            if usize::try_from(inserted).ok() != Some(rows.events.len()) {
                return Err(self.refuse(format!("event {} does not follow the stored head", first.seq)));
            }
            self.stored_head = Some(last.seq);
        }
        Ok(())
    }

    /// Runs a statement of one row without sending the held rows first (for [`PostgresStore::flush`] itself).
    fn send_one(&mut self, sql: &'static str, params: Params<'_>) -> Result<Row, StoreError> {
        let statement = self.prepared(sql)?;
        self.round_trips += 1;
        self.client.query_one(&statement, params).map_err(|e| self.failed(e))
    }

    /// A read answered together with the held rows, so it need not send them (nor open a savepoint).
    fn read_beside_held(&mut self, sql: &'static str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        let statement = self.prepared(sql)?;
        self.round_trips += 1;
        self.client.query_opt(&statement, params).map_err(|e| self.failed(e))
    }

    /// [`PostgresStore::read_beside_held`] for a read of many rows.
    fn read_all_beside_held(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.prepared(sql)?;
        self.round_trips += 1;
        self.client.query(&statement, params).map_err(|e| self.failed(e))
    }

    /// The last stored event's sequence number (0: none), read once per write transaction.
    fn stored_head(&mut self) -> Result<u64, StoreError> {
        if let Some(seq) = self.stored_head {
            return Ok(seq);
        }
        let row = self.read_beside_held("SELECT coalesce(max(seq), 0) FROM events", &[])?;
        let seq = row.map(|r| r.try_get::<_, i64>(0).map_err(corrupt)).transpose()?.unwrap_or(0).unsigned_abs();
        if self.in_transaction {
            self.stored_head = Some(seq);
        }
        Ok(seq)
    }

    /// Runs transaction control (no parameters, nothing prepared: one round trip either way).
    fn control(&mut self, sql: &str) -> Result<(), StoreError> {
        self.round_trips += 1;
        self.client.batch_execute(sql).map_err(|e| self.failed(e))
    }

    /// The prepared statement for `sql`, prepared on first use.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        self.round_trips += 1;
        let statement = self.client.prepare(sql).map_err(|e| self.failed(e))?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        self.before_statement(sql)?;
        let statement = self.prepared(sql)?;
        self.client.query(&statement, params).map_err(|e| self.failed(e))
    }

    fn query_opt(&mut self, sql: &'static str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        self.before_statement(sql)?;
        let statement = self.prepared(sql)?;
        self.client.query_opt(&statement, params).map_err(|e| self.failed(e))
    }

    fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64, StoreError> {
        self.before_statement(sql)?;
        let statement = self.prepared(sql)?;
        self.client.execute(&statement, params).map_err(|e| self.failed(e))
    }

    /// Before a statement of an operation: the held rows go first, and the prefetched answers are forgotten unless
    /// the statement only reads (`UPDATE … RETURNING` comes through `query` too).
    fn before_statement(&mut self, sql: &str) -> Result<(), StoreError> {
        self.sync()?;
        if !sql.starts_with("SELECT ") {
            self.prefetched.clear();
        }
        self.round_trips += 1;
        Ok(())
    }

    fn records(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<RecordRow>, StoreError> {
        self.query(sql, params)?.iter().map(record_from_row).collect()
    }

    fn consents(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<ConsentRow>, StoreError> {
        self.query(sql, params)?.iter().map(consent_from_row).collect()
    }
}

impl Store for PostgresStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        // A server restart or a terminated backend closes the connection, which the client notices only when it
        // next speaks: reconnect then, so that no batch fails for it.
        if self.client.is_closed() {
            self.reconnect()?;
        }
        if let Err(e) = self.control(BEGIN_WRITE) {
            if !self.client.is_closed() {
                return Err(e);
            }
            self.reconnect()?;
            self.control(BEGIN_WRITE)?;
        }
        self.in_transaction = true;
        self.forget_transaction();
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        if self.aborted || self.poisoned {
            // PostgreSQL would answer COMMIT with a silent ROLLBACK: say it.
            let _ = self.rollback();
            return Err(StoreError::Database("a statement of the transaction failed; it was rolled back".into()));
        }
        self.op = None;
        if let Err(e) = self.flush() {
            // A held row refused: the whole batch is undone (its callers are told), not only one operation.
            let _ = self.rollback();
            return Err(e);
        }
        let committed = self.control("COMMIT");
        self.in_transaction = false;
        self.forget_transaction();
        committed
    }

    fn rollback(&mut self) -> Result<(), StoreError> {
        self.in_transaction = false;
        self.forget_transaction();
        self.control("ROLLBACK")
    }

    fn begin_snapshot(&mut self) -> Result<(), StoreError> {
        if self.client.is_closed() {
            self.reconnect()?;
        }
        self.control("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        self.in_transaction = true;
        Ok(())
    }

    fn savepoint(&mut self) -> Result<(), StoreError> {
        if self.aborted {
            self.poisoned = true;
            return Err(StoreError::Database("the transaction is aborted".into()));
        }
        if self.deferred.len() >= deferred::FLUSH_AT {
            self.op = None;
            self.flush()?;
        }
        self.op = Some(Op { marks: self.deferred.marks(), real: false });
        Ok(())
    }

    fn release(&mut self) -> Result<(), StoreError> {
        if self.aborted {
            self.poisoned = true;
            return Err(StoreError::Database("the transaction is aborted".into()));
        }
        match self.op.take() {
            Some(Op { real: true, .. }) => self.control("RELEASE SAVEPOINT op").inspect_err(|_| self.poisoned = true),
            _ => Ok(()),
        }
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        let Some(op) = self.op.take() else {
            self.poisoned = true;
            return Err(StoreError::Database("no savepoint to roll back to".into()));
        };
        if op.real {
            self.control("ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op").inspect_err(|_| self.poisoned = true)?;
            // Events the operation had sent are gone again, and answers read since its savepoint may be wrong.
            self.stored_head = None;
            self.prefetched.clear();
        } else if self.server_failed {
            // PostgreSQL aborted the transaction and no savepoint of its own can undo that.
            self.poisoned = true;
            return Err(StoreError::Database("a statement failed outside a savepoint".into()));
        }
        self.deferred.truncate(op.marks);
        // The failed statement, or the refused rows, are undone: the transaction goes on.
        self.aborted = false;
        self.server_failed = false;
        Ok(())
    }

    fn head(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        if let Some(event) = self.deferred.last_event() {
            return Ok(Some((event.seq, event.hash.clone())));
        }
        if let Some(head) = self.prefetched.head() {
            return Ok(head);
        }
        let row = self.read_beside_held("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", &[])?;
        let head = row
            .map(|r| {
                Ok::<_, StoreError>((
                    r.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(),
                    r.try_get(1).map_err(corrupt)?,
                ))
            })
            .transpose()?;
        if self.in_transaction {
            self.stored_head = Some(head.as_ref().map_or(0, |(seq, _)| *seq));
        }
        Ok(head)
    }

    fn append_event(&mut self, event: &StoredEvent) -> Result<(), StoreError> {
        // Only right after the head. The writer keeps the head in memory; if a commit failed with the connection
        // and the head could not be re-read, it would otherwise append after events that were never stored,
        // leaving a gap in the chain. Refused, the operation is rolled back and the head re-read.
        let head = match self.deferred.last_event() {
            Some(last) => last.seq,
            None => self.stored_head()?,
        };
        if event.seq != head + 1 {
            return Err(self.refuse(format!("event {} does not follow the stored head", event.seq)));
        }
        // The subject goes in a column of its own (migration 0006). An event the index for older rows would have
        // to read as jsonb — one with no subject, or that PostgreSQL's jsonb cannot hold — is refused now rather
        // than with the whole batch.
        let subject = match serde_json::from_str::<EventSubject>(&event.body) {
            Ok(EventSubject { subject_id: Some(subject) }) if !event.body.contains("\\u0000") => subject,
            _ => return Err(self.refuse(format!("event {} is not JSON naming its subject", event.seq))),
        };
        self.deferred.events.push((event.clone(), subject));
        self.held()
    }

    fn events_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "SELECT seq, hash, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq_sql(after_seq), &limit],
        )?;
        rows.iter().map(event_from_row).collect()
    }

    fn put_site(&mut self, site: &str, config_toml: &str, at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO sites (site, config_toml, updated_at) VALUES ($1, $2, $3) ON CONFLICT (site) DO UPDATE \
             SET config_toml = excluded.config_toml, updated_at = excluded.updated_at",
            &[&site, &config_toml, &at],
        )?;
        Ok(())
    }

    fn sites(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self.query("SELECT site, config_toml FROM sites ORDER BY site", &[])?;
        rows.iter().map(|r| Ok((r.try_get(0).map_err(corrupt)?, r.try_get(1).map_err(corrupt)?))).collect()
    }

    fn put_notice(&mut self, version: &str, canonical: &str, at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO notices (version, canonical, first_seen) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&version, &canonical, &at],
        )?;
        Ok(())
    }

    fn notice(&mut self, version: &str) -> Result<Option<String>, StoreError> {
        let row = self.query_opt("SELECT canonical FROM notices WHERE version = $1", &[&version])?;
        row.map(|r| r.try_get(0).map_err(corrupt)).transpose()
    }

    fn use_nonce(&mut self, nonce: &str, exp_ms: i64) -> Result<bool, StoreError> {
        // Every writer holds the ledger's lock: no other can use this nonce between this read and our COMMIT.
        if self.deferred.nonce_used(nonce) {
            return Ok(false);
        }
        let used = match self.prefetched.nonce_used(nonce, exp_ms) {
            Some(used) => used,
            None => {
                let row = self.read_beside_held(
                    "SELECT EXISTS (SELECT 1 FROM used_nonces WHERE exp = $2 AND nonce = $1)",
                    &[&nonce, &exp_ms],
                )?;
                row.map(|r| r.try_get::<_, bool>(0).map_err(corrupt)).transpose()?.unwrap_or(false)
            }
        };
        if used {
            return Ok(false);
        }
        self.deferred.use_nonce(nonce, exp_ms);
        self.held()?;
        Ok(true)
    }

    fn prune_nonces(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        let deleted = self.execute("DELETE FROM used_nonces WHERE exp < $1", &[&now_ms])?;
        Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
    }

    fn subject_by_email(&mut self, site: &str, email: &str) -> Result<Option<SubjectRow>, StoreError> {
        if let Held::Found(subject) = self.deferred.subject_by_email(site, email) {
            return Ok(Some(subject));
        }
        let stored = match self.prefetched.subject_by_email(site, email) {
            Some(answer) => answer,
            None => {
                let row = self.read_beside_held(
                    concat!("SELECT ", subject_columns!(), " FROM subjects WHERE site = $1 AND email = $2"),
                    &[&site, &email],
                )?;
                row.as_ref().map(subject_from_row).transpose()?
            }
        };
        let Some(stored) = stored else { return Ok(None) };
        // This batch may have changed that subject since (an erasure gives the address up).
        match self.deferred.supersedes(&stored.subject_id) {
            Some(newer) if newer.site == site && newer.email.as_deref() == Some(email) => Ok(Some(newer.clone())),
            Some(_) => Ok(None),
            None => Ok(Some(stored)),
        }
    }

    fn subject(&mut self, subject_id: &str) -> Result<Option<SubjectRow>, StoreError> {
        let row = self.query_opt(
            concat!("SELECT ", subject_columns!(), " FROM subjects WHERE subject_id = $1"),
            &[&subject_id],
        )?;
        row.as_ref().map(subject_from_row).transpose()
    }

    fn put_subject(&mut self, s: &SubjectRow) -> Result<(), StoreError> {
        self.deferred.put_subject(s);
        self.held()
    }

    fn subjects_inactive_since(&mut self, before_ms: i64) -> Result<Vec<SubjectRow>, StoreError> {
        let rows = self.query(
            concat!(
                "SELECT ",
                subject_columns!(),
                " FROM subjects WHERE anonymised_at IS NULL AND last_activity_at < $1 ORDER BY last_activity_at"
            ),
            &[&before_ms],
        )?;
        rows.iter().map(subject_from_row).collect()
    }

    fn put_record(&mut self, r: &RecordRow) -> Result<(), StoreError> {
        self.deferred.records.push((r.clone(), false));
        self.held()
    }

    fn insert_record(&mut self, r: &RecordRow) -> Result<(), StoreError> {
        self.deferred.records.push((r.clone(), true));
        self.held()
    }

    fn record(&mut self, record_id: &str) -> Result<Option<RecordRow>, StoreError> {
        let row =
            self.query_opt(concat!("SELECT ", record_columns!(), " FROM records WHERE record_id = $1"), &[&record_id])?;
        row.as_ref().map(record_from_row).transpose()
    }

    fn records_of_subject(&mut self, subject_id: &str) -> Result<Vec<RecordRow>, StoreError> {
        self.records(
            concat!("SELECT ", record_columns!(), " FROM records WHERE subject_id = $1 ORDER BY created_at, record_id"),
            &[&subject_id],
        )
    }

    fn latest_record_of_device(&mut self, site: &str, device: &str) -> Result<Option<RecordRow>, StoreError> {
        let row = self.query_opt(
            concat!(
                "SELECT ",
                record_columns!(),
                " FROM records WHERE site = $1 AND device = $2 ORDER BY created_at DESC, write_order DESC LIMIT 1"
            ),
            &[&site, &device],
        )?;
        row.as_ref().map(record_from_row).transpose()
    }

    fn pending_before(&mut self, before_ms: i64) -> Result<Vec<RecordRow>, StoreError> {
        self.records(
            concat!(
                "SELECT ",
                record_columns!(),
                " FROM records WHERE status = 'pending' AND created_at < $1 ORDER BY created_at"
            ),
            &[&before_ms],
        )
    }

    fn put_record_data(&mut self, d: &RecordData) -> Result<(), StoreError> {
        self.deferred.data.push((d.clone(), false));
        self.held()
    }

    fn insert_record_data(&mut self, d: &RecordData) -> Result<(), StoreError> {
        self.deferred.data.push((d.clone(), true));
        self.held()
    }

    fn record_data(&mut self, record_id: &str) -> Result<Option<RecordData>, StoreError> {
        let row =
            self.query_opt("SELECT record_id, subject_id, data FROM record_data WHERE record_id = $1", &[&record_id])?;
        row.as_ref().map(data_from_row).transpose()
    }

    fn delete_record_data(&mut self, record_id: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM record_data WHERE record_id = $1", &[&record_id])?;
        Ok(())
    }

    fn all_record_data(&mut self) -> Result<Vec<RecordData>, StoreError> {
        let rows = self.query("SELECT record_id, subject_id, data FROM record_data ORDER BY record_id", &[])?;
        rows.iter().map(data_from_row).collect()
    }

    fn put_consent(&mut self, c: &ConsentRow) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO consents (subject_id, purpose, granted, record_id, updated_at, ever_granted) \
             VALUES ($1, $2, $3, $4, $5, $3) ON CONFLICT (subject_id, purpose) DO UPDATE SET \
             granted = excluded.granted, record_id = excluded.record_id, updated_at = excluded.updated_at, \
             ever_granted = consents.ever_granted OR excluded.granted",
            &[&c.subject_id, &c.purpose, &c.granted, &c.record_id, &c.updated_at],
        )?;
        Ok(())
    }

    fn consents_of(&mut self, subject_id: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents(consents_where!("c.subject_id = $1"), &[&subject_id])
    }

    fn delete_consents(&mut self, subject_id: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM consents WHERE subject_id = $1", &[&subject_id])?;
        Ok(())
    }

    fn granted(&mut self, site: &str, purpose: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents(
            consents_where!("s.site = $1 AND c.purpose = $2 AND c.granted AND s.anonymised_at IS NULL"),
            &[&site, &purpose],
        )
    }

    fn granted_all(&mut self, site: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents(consents_where!("s.site = $1 AND c.granted AND s.anonymised_at IS NULL"), &[&site])
    }

    fn ever_granted(&mut self, subject_id: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents(consents_where!("c.subject_id = $1 AND c.ever_granted"), &[&subject_id])
    }

    fn add_aggregate(&mut self, site: &str, dimension: &str, value: &str, n: u64) -> Result<(), StoreError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.execute(
            "INSERT INTO aggregates (site, dimension, value, subjects) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (site, dimension, value) DO UPDATE SET subjects = aggregates.subjects + excluded.subjects",
            &[&site, &dimension, &value, &n],
        )?;
        Ok(())
    }

    fn aggregates(&mut self, site: &str) -> Result<Vec<AggregateRow>, StoreError> {
        let rows = self.query(
            "SELECT dimension, value, subjects FROM aggregates WHERE site = $1 ORDER BY dimension, value",
            &[&site],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AggregateRow {
                    dimension: r.try_get(0).map_err(corrupt)?,
                    value: r.try_get(1).map_err(corrupt)?,
                    subjects: r.try_get::<_, i64>(2).map_err(corrupt)?.unsigned_abs(),
                })
            })
            .collect()
    }

    fn events_of_subject(&mut self, subject_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        // Events since migration 0006 by their column, older ones by the expression of their partial index (each
        // arm matches its index, so PostgreSQL reads both).
        let rows = self.query(
            "SELECT seq, hash, body FROM events WHERE subject_id = $1 \
             OR (subject_id IS NULL AND ((body::jsonb) ->> 'subject_id') = $1) ORDER BY seq",
            &[&subject_id],
        )?;
        rows.iter().map(event_from_row).collect()
    }

    fn enqueue_mail(&mut self, mail: &NewMail, now_ms: i64) -> Result<(), StoreError> {
        self.deferred.mail.push((mail.clone(), now_ms));
        self.held()
    }

    fn claim_mail(&mut self, now_ms: i64, limit: usize, lease_until_ms: i64) -> Result<Vec<QueuedMail>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // SKIP LOCKED: a sender never waits for the rows another one is claiming (writers already take turns on
        // the ledger's advisory lock; this keeps the claim itself from ever blocking on a row).
        let rows = self.query(
            "UPDATE mail_queue SET next_attempt_at = $3 WHERE id IN \
             (SELECT id FROM mail_queue WHERE next_attempt_at <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING id, to_addr, message, attempts",
            &[&now_ms, &limit, &lease_until_ms],
        )?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                Ok(QueuedMail {
                    id: r.try_get(0).map_err(corrupt)?,
                    to: r.try_get(1).map_err(corrupt)?,
                    job: r.try_get(2).map_err(corrupt)?,
                    attempts: r.try_get::<_, i32>(3).map_err(corrupt)?.unsigned_abs(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    fn mail_sent(&mut self, id: i64) -> Result<(), StoreError> {
        self.execute("DELETE FROM mail_queue WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn mail_retry(&mut self, id: i64, attempts: u32, next_attempt_ms: i64) -> Result<(), StoreError> {
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        self.execute(
            "UPDATE mail_queue SET attempts = $2, next_attempt_at = $3 WHERE id = $1",
            &[&id, &attempts, &next_attempt_ms],
        )?;
        Ok(())
    }

    fn delete_mail_of_record(&mut self, record_id: &str) -> Result<(), StoreError> {
        // The job is JSON naming its record (`MailJob`); the address sits in `to_addr`.
        self.execute("DELETE FROM mail_queue WHERE ((message::jsonb) ->> 'record_id') = $1", &[&record_id])?;
        Ok(())
    }

    fn mail_queue_len(&mut self) -> Result<u64, StoreError> {
        let row = self.query_opt("SELECT count(*) FROM mail_queue", &[])?;
        Ok(row.map(|r| r.try_get::<_, i64>(0).map_err(corrupt)).transpose()?.unwrap_or(0).unsigned_abs())
    }

    fn backend(&mut self) -> super::Backend<'_> {
        super::Backend::Postgres(self)
    }
}
