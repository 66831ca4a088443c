//! Group commit: one thread owns the database and runs every operation; operations that arrive while a commit
//! is in flight are gathered into the next transaction, so concurrent submissions share one fsync.
//!
//! Each operation runs in its own savepoint: a refused one is undone without touching its neighbours — and so is
//! one that panics, which is answered as an internal error while the thread goes on with the rest. Callers get
//! their answer only after `COMMIT` returned, i.e. once the batch is durably on disk. The queue is bounded: when
//! it is full an operation is refused at once as [`LedgerError::Busy`] (503 with `Retry-After`) instead of
//! waiting without end while memory grows.
//!
//! An operation may say beforehand what it will read ([`Writer::submit`]: its nonce and its email): right after
//! `BEGIN` the batch asks for all of that at once, so that on PostgreSQL a batch of submissions waits on one read
//! per table instead of two round trips each (see `storage/postgres/prefetch.rs` for why the answers are the
//! same). SQLite reads in-process and has nothing to gain: it is not asked.

use crate::ledger::{Appended, Ledger, LedgerError, NewSubmission};
use crate::metrics::{BatchPhase, Metrics};
use crate::storage::{Backend, StoreError};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

/// The largest number of operations in one transaction.
const MAX_BATCH: usize = 512;

/// Operations that may wait for the writer: four full batches, a few seconds of peak load on a small machine.
pub const QUEUE: usize = 4 * MAX_BATCH;

type Completion = Box<dyn FnOnce(bool) + Send>;
type Operation = Box<dyn FnOnce(&mut Ledger) -> (bool, Completion) + Send>;

/// A queued operation and what it will read.
struct Job {
    lookups: Lookups,
    operation: Operation,
}

/// The rows an operation will look up, known before it runs.
#[derive(Debug, Default)]
struct Lookups {
    /// A challenge nonce and its expiry: is it used?
    nonce: Option<(String, i64)>,
    /// A site and an email: which subject holds it?
    email: Option<(String, String)>,
}

/// The handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::SyncSender<Job>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// Why the writer could not run an operation.
fn writer_gone() -> LedgerError {
    LedgerError::Store(StoreError::Database("the writer thread has stopped".into()))
}

impl Writer {
    /// Starts the writer thread over a ledger, with room for [`QUEUE`] waiting operations.
    pub fn start(ledger: Ledger, metrics: Arc<Metrics>) -> std::io::Result<Writer> {
        Writer::with_queue(ledger, metrics, QUEUE)
    }

    /// Starts the writer thread with room for `queue` waiting operations.
    pub fn with_queue(ledger: Ledger, metrics: Arc<Metrics>, queue: usize) -> std::io::Result<Writer> {
        let (jobs, receiver) = mpsc::sync_channel::<Job>(queue);
        std::thread::Builder::new().name("ledger-writer".into()).spawn(move || run(ledger, &receiver, &metrics))?;
        Ok(Writer { jobs })
    }

    /// Runs `op` in the next batch and returns its result once the batch is committed.
    pub async fn run<T, F>(&self, op: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        self.queue(Lookups::default(), op).await
    }

    /// Records a verified submission ([`Ledger::submit`]) in the next batch, its nonce and email looked up
    /// together with the rest of the batch's.
    pub async fn submit(&self, submission: NewSubmission, now: i64) -> Result<Appended, LedgerError> {
        let lookups = Lookups {
            nonce: Some((submission.nonce.clone(), submission.nonce_exp_ms)),
            email: Some((submission.site.clone(), submission.email.clone())),
        };
        self.queue(lookups, move |ledger| ledger.submit(submission, now)).await
    }

    async fn queue<T, F>(&self, lookups: Lookups, op: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T, LedgerError>>();
        let operation: Operation = Box::new(move |ledger: &mut Ledger| {
            let result = op(ledger);
            let ok = result.is_ok();
            let completion: Completion = Box::new(move |committed: bool| {
                let _ = reply.send(if committed || result.is_err() {
                    result
                } else {
                    Err(LedgerError::Store(StoreError::Database("the batch could not be committed".into())))
                });
            });
            (ok, completion)
        });
        match self.jobs.try_send(Job { lookups, operation }) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(_)) => return Err(LedgerError::Busy),
            Err(mpsc::TrySendError::Disconnected(_)) => return Err(writer_gone()),
        }
        // The reply is dropped unsent only when the operation panicked (the thread itself goes on).
        answer
            .await
            .map_err(|_| LedgerError::Store(StoreError::Database("the operation failed and was undone".into())))?
    }
}

fn run(mut ledger: Ledger, receiver: &mpsc::Receiver<Job>, metrics: &Metrics) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        top_up(&mut batch, receiver);
        let started = Instant::now();
        // `BEGIN` may wait: on PostgreSQL for the chain's lock while another collector commits (≈ 5 ms with two
        // of them). What arrived meanwhile joins this batch before its reads are asked for, instead of waiting
        // for the next one: fewer, larger batches, and fewer hand-overs of the lock between collectors.
        let begun = ledger.begin_reading(|ledger| {
            top_up(&mut batch, receiver);
            prefetch(ledger, &batch);
        });
        let size = batch.len();
        let mut completions = Vec::with_capacity(size);
        if let Err(e) = &begun {
            tracing::error!(error = %e, "cannot begin a transaction");
        }
        let operations_started = Instant::now();
        metrics.batch_phase(BatchPhase::Begin, operations_started - started);
        for job in batch {
            if begun.is_err() {
                // Dropping the job drops its reply channel: its caller is told the writer failed.
                drop(job);
                continue;
            }
            if let Err(e) = ledger.store().savepoint() {
                tracing::error!(error = %e, "cannot open a savepoint");
            }
            let operation = job.operation;
            let (ok, completion) = match std::panic::catch_unwind(AssertUnwindSafe(|| operation(&mut ledger))) {
                Ok(done) => done,
                Err(_) => {
                    // Unwinding dropped the job's reply channel: its caller gets an error. Its writes are
                    // undone below like a refused operation's, and the head re-read.
                    tracing::error!("a ledger operation panicked; undone, the batch goes on");
                    (false, Box::new(|_| {}) as Completion)
                }
            };
            let undo = if ok { ledger.store().release() } else { ledger.store().rollback_to_savepoint() };
            if let Err(e) = undo.and_then(|()| if ok { Ok(()) } else { ledger.reload_head() }) {
                tracing::error!(error = %e, "savepoint handling failed");
            }
            completions.push(completion);
        }
        let commit_started = Instant::now();
        metrics.batch_phase(BatchPhase::Operations, commit_started - operations_started);
        let committed = match &begun {
            Ok(()) => match ledger.store().commit() {
                Ok(()) => true,
                Err(e) => {
                    // On PostgreSQL the batch's rows are sent at COMMIT (one statement for every table): a row refused
                    // there, with its SQLSTATE and constraint, fails the batch.
                    tracing::error!(error = %e, "a batch of {size} operations could not be committed; rolled back");
                    false
                }
            },
            Err(_) => false,
        };
        if !committed {
            let _ = ledger.store().rollback();
            let _ = ledger.reload_head();
        }
        metrics.batch_phase(BatchPhase::Commit, commit_started.elapsed());
        metrics.batch(size, committed);
        for completion in completions {
            completion(committed);
        }
    }
}

/// Adds the operations waiting in the queue to `batch`, up to [`MAX_BATCH`].
fn top_up(batch: &mut Vec<Job>, receiver: &mpsc::Receiver<Job>) {
    while batch.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// Asks for everything the batch's operations said they will read, after `BEGIN` and its lock: the answers are
/// then those of the database under the lock, as the operations' own reads would have been.
fn prefetch(ledger: &mut Ledger, batch: &[Job]) {
    let nonces: Vec<(&str, i64)> =
        batch.iter().filter_map(|job| job.lookups.nonce.as_ref()).map(|(n, exp)| (n.as_str(), *exp)).collect();
    let emails: Vec<(&str, &str)> =
        batch.iter().filter_map(|job| job.lookups.email.as_ref()).map(|(s, e)| (s.as_str(), e.as_str())).collect();
    if let Backend::Postgres(store) = ledger.store().backend()
        && let Err(e) = store.prefetch(&nonces, &emails)
    {
        // The transaction is aborted: every operation of the batch will fail and say so.
        tracing::error!(error = %e, "cannot read ahead for a batch of {} operations", batch.len());
    }
}
