//! The read pool: a few database connections beside the writer's, so that pages (confirm, manage, notices),
//! `/healthz`, the mail sender's scans and staff exports read without waiting in the writer's queue behind
//! batches of submissions — and a flood of page reads cannot delay a submission's commit.
//!
//! Each connection lives on a plain thread (a PostgreSQL client may neither run nor be dropped inside tokio) and
//! is opened read-only (`PRAGMA query_only`, `default_transaction_read_only`): a write sent here by mistake fails
//! instead of committing outside the writer's batch. Reads see what the writer has committed (SQLite WAL
//! readers, PostgreSQL READ COMMITTED).

use crate::ledger::{Ledger, LedgerError};
use crate::staff::db::StaffPlace;
use crate::storage::postgres::PostgresStore;
use crate::storage::sqlite::SqliteStore;
use crate::storage::{Store, StoreError};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

/// A read: runs on a connection, says whether the store failed (the connection is then reopened).
type Job = Box<dyn FnOnce(&mut Ledger) -> bool + Send>;

/// The handle to the read pool; cheap to clone.
#[derive(Clone)]
pub struct Readers {
    jobs: SyncSender<Job>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

/// Opens one read-only connection to the ledger at `place`.
fn open(place: &StaffPlace) -> Result<Ledger, StoreError> {
    let store: Box<dyn Store> = match place {
        StaffPlace::Sqlite(data) => Box::new(SqliteStore::open_reader(data)?),
        StaffPlace::Postgres(url) => Box::new(PostgresStore::open_reader(url)?),
    };
    Ledger::open(store)
}

impl Readers {
    /// Opens `connections` read connections (blocking: call it outside tokio's workers) with room for `queue`
    /// waiting reads; beyond that a read is refused as busy rather than queued without end.
    pub fn start(place: &StaffPlace, connections: usize, queue: usize) -> Result<Readers, StoreError> {
        let (jobs, receiver) = sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..connections.max(1) {
            let (ready, started) = sync_channel(1);
            let (place, receiver) = (place.clone(), receiver.clone());
            std::thread::Builder::new()
                .name(format!("ledger-reader-{i}"))
                .spawn(move || match open(&place) {
                    Ok(ledger) => {
                        let _ = ready.send(Ok(()));
                        serve(&place, ledger, &receiver);
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                    }
                })
                .map_err(|e| StoreError::Database(format!("starting a ledger reader thread: {e}")))?;
            started.recv().map_err(|_| StoreError::Database("a ledger reader thread stopped".into()))??;
        }
        Ok(Readers { jobs })
    }

    /// Runs the read `op` on one of the connections. [`LedgerError::Busy`] when every connection is taken and
    /// the queue is full.
    pub async fn run<T, F>(&self, op: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T, LedgerError>>();
        let job: Job = Box::new(move |ledger: &mut Ledger| {
            let result = op(ledger);
            let store_failed = matches!(result, Err(LedgerError::Store(_)));
            let _ = reply.send(result);
            store_failed
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(LedgerError::Busy),
            Err(TrySendError::Disconnected(_)) => {
                return Err(LedgerError::Store(StoreError::Database("the ledger readers have stopped".into())));
            }
        }
        // A read that panicked dropped its reply: answered as a failure, the connection thread goes on.
        answer.await.map_err(|_| LedgerError::Store(StoreError::Database("the read was abandoned".into())))?
    }
}

/// A reader thread's loop: take the next read and run it; a read that panicked or met a storage failure gets
/// a fresh connection after it (a PostgreSQL restart closes the old one).
fn serve(place: &StaffPlace, ledger: Ledger, jobs: &Mutex<Receiver<Job>>) {
    let mut ledger = Some(ledger);
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if ledger.is_none() {
            ledger = open(place).inspect_err(|e| tracing::error!(error = %e, "cannot reopen a ledger reader")).ok();
        }
        let Some(current) = ledger.as_mut() else {
            // No connection: dropping the job tells its caller the read failed.
            drop(job);
            continue;
        };
        let healthy = match std::panic::catch_unwind(AssertUnwindSafe(|| job(current))) {
            Ok(store_failed) => !store_failed,
            Err(_) => {
                tracing::error!("a ledger read panicked; its request was answered with an error");
                false
            }
        };
        if !healthy {
            ledger = None;
        }
    }
}
