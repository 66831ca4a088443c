//! The staff console's own database connections, beside the ledger writer's: the same SQLite file (or
//! PostgreSQL database), other connections, so that a console page never waits behind a batch of submissions.
//!
//! Each connection lives on a plain thread of its own and runs the jobs sent to it. A PostgreSQL client blocks
//! on a runtime of its own and may neither run nor be dropped inside tokio's: on these threads it does neither.

use crate::staff::accounts::Account;
use crate::storage::StoreError;
use crate::storage::postgres::staff as pg;
use crate::storage::sqlite::staff as lite;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// How many connections the console keeps (the machine has 2 cores; the console has few users).
const CONNECTIONS: usize = 2;

/// One open connection to the staff tables.
pub enum StaffConn {
    /// The SQLite file of the data folder.
    Sqlite(rusqlite::Connection),
    /// The PostgreSQL database of `--database`.
    Postgres(postgres::Client),
}

impl std::fmt::Debug for StaffConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StaffConn::Sqlite(_) => "StaffConn::Sqlite",
            StaffConn::Postgres(_) => "StaffConn::Postgres",
        })
    }
}

/// Where the staff tables are.
#[derive(Debug, Clone)]
pub enum StaffPlace {
    /// The `ledger.sqlite3` of this data folder.
    Sqlite(PathBuf),
    /// This PostgreSQL URL (never printed: it may hold a password).
    Postgres(String),
}

impl StaffPlace {
    /// The place `serve` and the staff commands use: PostgreSQL when a URL is given, else the data folder.
    pub fn new(data: &Path, database: Option<&str>) -> StaffPlace {
        match database {
            Some(url) => StaffPlace::Postgres(url.to_owned()),
            None => StaffPlace::Sqlite(data.to_owned()),
        }
    }

    /// One connection, for a command (the tables must exist: the ledger's store creates them).
    pub fn connect_once(&self) -> Result<StaffConn, StoreError> {
        self.connect(false)
    }

    /// Creates or upgrades the tables, then opens one connection.
    fn connect(&self, migrate: bool) -> Result<StaffConn, StoreError> {
        match self {
            StaffPlace::Sqlite(data) => {
                if migrate {
                    drop(crate::storage::sqlite::SqliteStore::open(data)?);
                }
                Ok(StaffConn::Sqlite(lite::connect(data)?))
            }
            StaffPlace::Postgres(url) => {
                if migrate {
                    // Dropping the store here is safe: this runs on a plain thread, not inside tokio.
                    drop(crate::storage::postgres::PostgresStore::open(url)?);
                }
                Ok(StaffConn::Postgres(pg::connect(url)?))
            }
        }
    }
}

type Job = Box<dyn FnOnce(&mut StaffConn) + Send>;

/// The staff console's database handle (cheap to clone), with the options it shares.
#[derive(Clone)]
pub struct StaffDb(Arc<Inner>);

struct Inner {
    jobs: Mutex<Sender<Job>>,
    require_2fa: bool,
    place: StaffPlace,
    last_check: Mutex<Option<crate::staff::health::LedgerCheck>>,
    mailer: std::sync::OnceLock<(crate::mail::MailTransport, String)>,
}

impl std::fmt::Debug for StaffDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaffDb")
    }
}

impl StaffDb {
    /// Opens the connections (blocking: call it outside tokio's workers, e.g. in `block_in_place`), migrating
    /// the database first if needed. `require_2fa`: admins must set up TOTP to sign in
    /// (`serve --staff-require-2fa`).
    pub fn open(place: &StaffPlace, require_2fa: bool) -> Result<StaffDb, StoreError> {
        let (jobs, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..CONNECTIONS {
            let (ready, started) = channel();
            let place = place.clone();
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("staff-db-{i}"))
                .spawn(move || match place.connect(i == 0) {
                    Ok(conn) => {
                        let _ = ready.send(Ok(()));
                        serve_jobs(&place, conn, &receiver);
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                })
                .map_err(|e| StoreError::Database(format!("starting a staff database thread: {e}")))?;
            started.recv().map_err(|_| StoreError::Database("the staff database thread stopped".into()))??;
        }
        Ok(StaffDb(Arc::new(Inner {
            jobs: Mutex::new(jobs),
            require_2fa,
            place: place.clone(),
            last_check: Mutex::new(None),
            mailer: std::sync::OnceLock::new(),
        })))
    }

    /// Whether admins must have TOTP set up to sign in.
    pub fn require_2fa(&self) -> bool {
        self.0.require_2fa
    }

    /// Where the tables are (the ledger check opens a store of its own there).
    pub fn place(&self) -> &StaffPlace {
        &self.0.place
    }

    /// The last ledger check run from the console (kept until the next one or a restart).
    pub fn last_check(&self) -> Option<crate::staff::health::LedgerCheck> {
        self.0.last_check.lock().ok().and_then(|c| c.clone())
    }

    /// Remembers a ledger check.
    pub fn set_last_check(&self, check: crate::staff::health::LedgerCheck) {
        if let Ok(mut last) = self.0.last_check.lock() {
            *last = Some(check);
        }
    }

    /// Lets the console email password links through `transport`, from `from` (when mail is configured).
    pub fn set_mailer(&self, transport: crate::mail::MailTransport, from: String) {
        let _ = self.0.mailer.set((transport, from));
    }

    /// The transport and sender address of the console's emails, if mail is configured.
    pub fn mailer(&self) -> Option<&(crate::mail::MailTransport, String)> {
        self.0.mailer.get()
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let sender = self.0.jobs.lock().map_err(|_| StoreError::Database("staff database handle poisoned".into()))?;
        sender.send(job).map_err(|_| StoreError::Database("the staff database threads stopped".into()))
    }

    /// Runs `f` on one of the connections and returns its result.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut StaffConn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Box::new(move |conn| {
            let _ = tx.send(f(conn));
        }))?;
        rx.await.map_err(|_| StoreError::Database("a staff database job was dropped".into()))?
    }

    /// [`StaffDb::call`] for commands that run outside tokio.
    pub fn call_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut StaffConn) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = channel();
        self.send(Box::new(move |conn| {
            let _ = tx.send(f(conn));
        }))?;
        rx.recv().map_err(|_| StoreError::Database("a staff database job was dropped".into()))?
    }
}

/// A connection thread's loop: until every handle is dropped, take the next job and run it, reconnecting a
/// PostgreSQL connection that a server restart closed.
fn serve_jobs(place: &StaffPlace, mut conn: StaffConn, jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if let StaffConn::Postgres(client) = &conn
            && client.is_closed()
        {
            match place.connect(false) {
                Ok(fresh) => conn = fresh,
                Err(e) => tracing::warn!(error = %e, "staff database: reconnecting failed"),
            }
        }
        job(&mut conn);
    }
}

/// A stored session (the cookie's value is known only to the browser; `session_hash` is its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// SHA-256 of the cookie value, hex.
    pub session_hash: String,
    /// Whose.
    pub account_id: String,
    /// `full`, or `password` while the TOTP code is awaited.
    pub stage: String,
    /// The token every form of this session carries.
    pub csrf_token: String,
    /// Signed in, Unix ms (absolute expiry runs from it).
    pub created_at: i64,
    /// Last request, Unix ms (idle expiry runs from it).
    pub last_seen_at: i64,
}

/// A one-time link (invitation or password reset), stored hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// SHA-256 of the token in the link, hex.
    pub token_hash: String,
    /// For whom.
    pub account_id: String,
    /// `invite` or `reset`.
    pub purpose: String,
    /// Unix ms.
    pub expires_at: i64,
}

/// Calls the backend function of the same name with the connection inside a [`StaffConn`].
macro_rules! on_conn {
    ($conn:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $conn {
            StaffConn::Sqlite(c) => lite::$f(c, $($arg),*),
            StaffConn::Postgres(c) => pg::$f(c, $($arg),*),
        }
    };
}

impl StaffConn {
    /// The account with this (normalised) email.
    pub fn account_by_email(&mut self, email: &str) -> Result<Option<Account>, StoreError> {
        on_conn!(self, account_by_email(email))
    }
    /// The account with this id.
    pub fn account_by_id(&mut self, account_id: &str) -> Result<Option<Account>, StoreError> {
        on_conn!(self, account_by_id(account_id))
    }
    /// Every account, by email.
    pub fn accounts(&mut self) -> Result<Vec<Account>, StoreError> {
        on_conn!(self, accounts())
    }
    /// Stores a new account; `false` when the email is taken.
    pub fn insert_account(&mut self, account: &Account) -> Result<bool, StoreError> {
        on_conn!(self, insert_account(account))
    }
    /// Stores a new account, its invitation link and its audit entry (sealed by `seal`) in one transaction;
    /// `false`, and nothing stored, when the email is taken.
    pub fn invite_account(
        &mut self,
        account: &Account,
        token: &TokenRow,
        seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
    ) -> Result<bool, StoreError> {
        on_conn!(self, invite_account(account, token, seal))
    }
    /// Writes an account's changeable fields back.
    pub fn update_account(&mut self, account: &Account) -> Result<(), StoreError> {
        on_conn!(self, update_account(account))
    }
    /// Uses up TOTP time step `step`; `false` if it (or a later one) was already used.
    pub fn accept_totp_step(&mut self, account_id: &str, step: i64) -> Result<bool, StoreError> {
        on_conn!(self, accept_totp_step(account_id, step))
    }
    /// Sets the last used TOTP step outright (a new secret).
    pub fn reset_totp_step(&mut self, account_id: &str, step: i64) -> Result<(), StoreError> {
        on_conn!(self, reset_totp_step(account_id, step))
    }
    /// Stores a new session.
    pub fn insert_session(&mut self, session: &SessionRow) -> Result<(), StoreError> {
        on_conn!(self, insert_session(session))
    }
    /// The session whose cookie hashes to `session_hash`.
    pub fn session(&mut self, session_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        on_conn!(self, session(session_hash))
    }
    /// Marks a session as used at `at`.
    pub fn touch_session(&mut self, session_hash: &str, at: i64) -> Result<(), StoreError> {
        on_conn!(self, touch_session(session_hash, at))
    }
    /// Ends one session.
    pub fn delete_session(&mut self, session_hash: &str) -> Result<(), StoreError> {
        on_conn!(self, delete_session(session_hash))
    }
    /// Ends every session of an account.
    pub fn delete_sessions_of(&mut self, account_id: &str) -> Result<u64, StoreError> {
        on_conn!(self, delete_sessions_of(account_id))
    }
    /// Removes expired sessions.
    pub fn prune_sessions(&mut self, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
        on_conn!(self, prune_sessions(idle_before, created_before))
    }
    /// Stores a one-time link (voiding earlier unused ones of the same purpose).
    pub fn insert_token(&mut self, token: &TokenRow) -> Result<(), StoreError> {
        on_conn!(self, insert_token(token))
    }
    /// The account of a valid link, without using it.
    pub fn peek_token(&mut self, token_hash: &str, purpose: &str, now: i64) -> Result<Option<String>, StoreError> {
        on_conn!(self, peek_token(token_hash, purpose, now))
    }
    /// Uses a link once.
    pub fn take_token(&mut self, token_hash: &str, purpose: &str, now: i64) -> Result<Option<String>, StoreError> {
        on_conn!(self, take_token(token_hash, purpose, now))
    }
    /// Appends an audit entry after the head that `seal` is given.
    pub fn append_audit(
        &mut self,
        seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
    ) -> Result<u64, StoreError> {
        on_conn!(self, append_audit(seal))
    }
    /// Audit entries after `after_seq`, in order.
    pub fn audit_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<(u64, String, String)>, StoreError> {
        on_conn!(self, audit_after(after_seq, limit))
    }
    /// The consent ledger's head (`seq`, `hash`).
    pub fn ledger_head(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        on_conn!(self, ledger_head())
    }
    /// When a throttle key may try again (Unix ms, 0 when unknown).
    pub fn throttle_blocked_until(&mut self, key: &str) -> Result<i64, StoreError> {
        on_conn!(self, throttle_blocked_until(key))
    }
    /// Counts a failure of a throttle key; the count.
    pub fn throttle_fail(&mut self, key: &str, now: i64, forget_ms: i64) -> Result<u32, StoreError> {
        on_conn!(self, throttle_fail(key, now, forget_ms))
    }
    /// Makes a throttle key wait until `until`.
    pub fn throttle_block(&mut self, key: &str, until: i64) -> Result<(), StoreError> {
        on_conn!(self, throttle_block(key, until))
    }
    /// Forgets a throttle key's failures.
    pub fn throttle_forget(&mut self, key: &str) -> Result<(), StoreError> {
        on_conn!(self, throttle_forget(key))
    }
    /// Removes throttle keys last failed before `before` and no longer waiting at `now`.
    pub fn throttle_prune(&mut self, before: i64, now: i64) -> Result<u64, StoreError> {
        on_conn!(self, throttle_prune(before, now))
    }
    /// Audit entries before `before_seq`, newest first.
    pub fn audit_before(&mut self, before_seq: u64, limit: usize) -> Result<Vec<(u64, String, String)>, StoreError> {
        on_conn!(self, audit_before(before_seq, limit))
    }
}
