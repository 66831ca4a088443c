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

pub mod campaign;
pub mod console;
mod error;
pub mod staff;
mod tls;

pub use error::PgFailure;

use super::{
    AggregateRow, ConsentRow, NewMail, QueuedMail, RecordData, RecordRow, RecordStatus, Store, StoreError, SubjectRow,
};
use crate::storage::StoredEvent;
use consent::Locale;
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row, Statement};
use std::collections::HashMap;
use std::time::Duration;

/// The migrations, in order; the table `schema_migrations` lists those applied.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_staff.sql"),
    include_str!("migrations/0003_campaigns.sql"),
    include_str!("migrations/0004_staff_throttle.sql"),
];

/// The advisory lock taken while migrating, so that several collectors starting at once migrate one at a time
/// (an arbitrary constant: "consent" in ASCII).
const MIGRATION_LOCK: i64 = 0x0063_6f6e_7365_6e74;

/// `BEGIN`, then the advisory lock every write transaction takes first (0x6c6564676572, "ledger" in ASCII), in
/// one round trip: appends from every process on the database — each `serve`, each staff command — follow one
/// another, and each re-reads the chain head under the lock. `COMMIT` or `ROLLBACK` releases it.
const BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock(119182731994482)";

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
        };
        store.migrate()?;
        Ok(store)
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
        }
        db(e)
    }

    /// Runs transaction control (no parameters, nothing prepared: one round trip either way).
    fn control(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(|e| self.failed(e))
    }

    /// The prepared statement for `sql`, prepared on first use.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(|e| self.failed(e))?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.prepared(sql)?;
        self.client.query(&statement, params).map_err(|e| self.failed(e))
    }

    fn query_opt(&mut self, sql: &'static str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        let statement = self.prepared(sql)?;
        self.client.query_opt(&statement, params).map_err(|e| self.failed(e))
    }

    fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64, StoreError> {
        let statement = self.prepared(sql)?;
        self.client.execute(&statement, params).map_err(|e| self.failed(e))
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
        self.aborted = false;
        self.poisoned = false;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        if self.aborted || self.poisoned {
            // PostgreSQL would answer COMMIT with a silent ROLLBACK: say it.
            let _ = self.rollback();
            return Err(StoreError::Database("a statement of the transaction failed; it was rolled back".into()));
        }
        let committed = self.control("COMMIT");
        self.in_transaction = false;
        committed
    }

    fn rollback(&mut self) -> Result<(), StoreError> {
        self.in_transaction = false;
        self.aborted = false;
        self.poisoned = false;
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
        self.control("SAVEPOINT op").inspect_err(|_| self.poisoned = true)
    }

    fn release(&mut self) -> Result<(), StoreError> {
        if self.aborted {
            self.poisoned = true;
            return Err(StoreError::Database("the transaction is aborted".into()));
        }
        self.control("RELEASE SAVEPOINT op").inspect_err(|_| self.poisoned = true)
    }

    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.control("ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op").inspect_err(|_| self.poisoned = true)?;
        // The savepoint undid the failed statement: the transaction goes on.
        self.aborted = false;
        Ok(())
    }

    fn head(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        let row = self.query_opt("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", &[])?;
        row.map(|r| Ok((r.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(), r.try_get(1).map_err(corrupt)?)))
            .transpose()
    }

    fn append_event(&mut self, event: &StoredEvent) -> Result<(), StoreError> {
        // Only right after the stored head. The writer keeps the head in memory; if a commit failed with the
        // connection and the head could not be re-read, it would otherwise append after events that were never
        // stored, leaving a gap in the chain. Refused, the operation is rolled back and the head re-read.
        let inserted = self.execute(
            "INSERT INTO events (seq, hash, body) SELECT $1::bigint, $2::text, $3::text \
             WHERE $1 = (SELECT coalesce(max(seq), 0) + 1 FROM events)",
            &[&seq_sql(event.seq), &event.hash, &event.body],
        )?;
        if inserted != 1 {
            return Err(StoreError::Database(format!("event {} does not follow the stored head", event.seq)));
        }
        Ok(())
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
        let inserted = self.execute(
            "INSERT INTO used_nonces (nonce, exp) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&nonce, &exp_ms],
        )?;
        Ok(inserted == 1)
    }

    fn prune_nonces(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        let deleted = self.execute("DELETE FROM used_nonces WHERE exp < $1", &[&now_ms])?;
        Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
    }

    fn subject_by_email(&mut self, site: &str, email: &str) -> Result<Option<SubjectRow>, StoreError> {
        let row = self.query_opt(
            concat!("SELECT ", subject_columns!(), " FROM subjects WHERE site = $1 AND email = $2"),
            &[&site, &email],
        )?;
        row.as_ref().map(subject_from_row).transpose()
    }

    fn subject(&mut self, subject_id: &str) -> Result<Option<SubjectRow>, StoreError> {
        let row = self.query_opt(
            concat!("SELECT ", subject_columns!(), " FROM subjects WHERE subject_id = $1"),
            &[&subject_id],
        )?;
        row.as_ref().map(subject_from_row).transpose()
    }

    fn put_subject(&mut self, s: &SubjectRow) -> Result<(), StoreError> {
        self.execute(
            concat!(
                "INSERT INTO subjects (",
                subject_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (subject_id) DO UPDATE SET site = excluded.site, \
                 email = excluded.email, created_at = excluded.created_at, \
                 last_activity_at = excluded.last_activity_at, anonymised_at = excluded.anonymised_at"
            ),
            &[&s.subject_id, &s.site, &s.email, &s.created_at, &s.last_activity_at, &s.anonymised_at],
        )?;
        Ok(())
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
        let choices = serde_json::to_string(&r.choices).map_err(corrupt)?;
        // `write_order` takes its default (the next number) on insert and on update alike, like SQLite's rowid
        // under INSERT OR REPLACE.
        self.execute(
            concat!(
                "INSERT INTO records (",
                record_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (record_id) DO UPDATE SET \
                 subject_id = excluded.subject_id, site = excluded.site, cta = excluded.cta, \
                 status = excluded.status, choices = excluded.choices, notice_version = excluded.notice_version, \
                 locale = excluded.locale, device = excluded.device, created_at = excluded.created_at, \
                 updated_at = excluded.updated_at, confirmed_at = excluded.confirmed_at, \
                 write_order = excluded.write_order"
            ),
            &[
                &r.record_id,
                &r.subject_id,
                &r.site,
                &r.cta,
                &r.status.as_str(),
                &choices,
                &r.notice_version,
                &r.locale.tag(),
                &r.device,
                &r.created_at,
                &r.updated_at,
                &r.confirmed_at,
            ],
        )?;
        Ok(())
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
        self.execute(
            "INSERT INTO record_data (record_id, subject_id, data) VALUES ($1, $2, $3) ON CONFLICT (record_id) \
             DO UPDATE SET subject_id = excluded.subject_id, data = excluded.data",
            &[&d.record_id, &d.subject_id, &d.data],
        )?;
        Ok(())
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
        // Same expression as the `events_subject` index, so that PostgreSQL uses it.
        let rows = self.query(
            "SELECT seq, hash, body FROM events WHERE ((body::jsonb) ->> 'subject_id') = $1 ORDER BY seq",
            &[&subject_id],
        )?;
        rows.iter().map(event_from_row).collect()
    }

    fn enqueue_mail(&mut self, mail: &NewMail, now_ms: i64) -> Result<(), StoreError> {
        // The `message` column holds the job (see `NewMail`).
        self.execute(
            "INSERT INTO mail_queue (to_addr, message, attempts, next_attempt_at, created_at) VALUES ($1, $2, 0, $3, $3)",
            &[&mail.to, &mail.job, &now_ms],
        )?;
        Ok(())
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
