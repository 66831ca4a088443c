//! Group commit: one thread owns the database and runs every operation; operations that arrive while a commit
//! is in flight are gathered into the next transaction, so concurrent submissions share one fsync.
//!
//! Each operation runs in its own savepoint: a refused one is undone without touching its neighbours. Callers
//! get their answer only after `COMMIT` returned, i.e. once the batch is durably on disk.

use crate::ledger::{Ledger, LedgerError};
use crate::metrics::Metrics;
use crate::storage::StoreError;
use std::sync::Arc;
use std::sync::mpsc;

/// The largest number of operations in one transaction.
const MAX_BATCH: usize = 512;

type Completion = Box<dyn FnOnce(bool) + Send>;
type Job = Box<dyn FnOnce(&mut Ledger) -> (bool, Completion) + Send>;

/// The handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
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
    /// Starts the writer thread over a ledger.
    pub fn start(ledger: Ledger, metrics: Arc<Metrics>) -> std::io::Result<Writer> {
        let (jobs, receiver) = mpsc::channel::<Job>();
        std::thread::Builder::new().name("ledger-writer".into()).spawn(move || run(ledger, &receiver, &metrics))?;
        Ok(Writer { jobs })
    }

    /// Runs `op` in the next batch and returns its result once the batch is committed.
    pub async fn run<T, F>(&self, op: F) -> Result<T, LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T, LedgerError>>();
        let job: Job = Box::new(move |ledger: &mut Ledger| {
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
        self.jobs.send(job).map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }
}

fn run(mut ledger: Ledger, receiver: &mpsc::Receiver<Job>, metrics: &Metrics) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let size = batch.len();
        let mut completions = Vec::with_capacity(size);
        let begun = ledger.begin();
        if let Err(e) = &begun {
            tracing::error!(error = %e, "cannot begin a transaction");
        }
        for job in batch {
            if begun.is_err() {
                // Dropping the job drops its reply channel: its caller is told the writer failed.
                drop(job);
                continue;
            }
            if let Err(e) = ledger.store().savepoint() {
                tracing::error!(error = %e, "cannot open a savepoint");
            }
            let (ok, completion) = job(&mut ledger);
            let undo = if ok { ledger.store().release() } else { ledger.store().rollback_to_savepoint() };
            if let Err(e) = undo.and_then(|()| if ok { Ok(()) } else { ledger.reload_head() }) {
                tracing::error!(error = %e, "savepoint handling failed");
            }
            completions.push(completion);
        }
        let committed = begun.is_ok() && ledger.store().commit().is_ok();
        if !committed {
            tracing::error!("a batch of {size} operations could not be committed; rolled back");
            let _ = ledger.store().rollback();
            let _ = ledger.reload_head();
        }
        metrics.batch(size, committed);
        for completion in completions {
            completion(committed);
        }
    }
}
