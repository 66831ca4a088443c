//! The writer and the read pool under trouble, on a real SQLite ledger: an operation that panics is undone and
//! answered with an error while the next one succeeds; a full queue refuses at once (`busy`) instead of growing.

use collector::ledger::{Ledger, LedgerError};
use collector::metrics::Metrics;
use collector::reader::Readers;
use collector::staff::db::StaffPlace;
use collector::storage::sqlite::SqliteStore;
use collector::writer::Writer;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A writer operation in flight.
type Pending = Pin<Box<dyn Future<Output = Result<(), LedgerError>>>>;

fn writer_on(dir: &std::path::Path, queue: usize) -> Writer {
    let ledger = Ledger::open(Box::new(SqliteStore::open(dir).unwrap())).unwrap();
    Writer::with_queue(ledger, Arc::new(Metrics::default()), queue).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn an_operation_that_panics_is_undone_and_the_writer_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer_on(dir.path(), 64);
    runtime().block_on(async {
        let panicked = writer
            .run(|l| {
                l.store().put_site("half-done", "site = 'x'", 1)?;
                // A bug in one operation (an index out of bounds, an unwrap on bad data).
                let empty: Vec<u8> = Vec::new();
                Ok(empty[empty.len()])
            })
            .await;
        assert!(matches!(panicked, Err(LedgerError::Store(_))), "{panicked:?}");
        writer.run(|l| Ok(l.store().put_site("next", "site = 'y'", 2)?)).await.unwrap();
        let sites = writer.run(|l| Ok(l.store().sites()?)).await.unwrap();
        let names: Vec<&str> = sites.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["next"], "the panicked operation's write was undone, the next one kept");
    });
}

#[test]
fn a_full_writer_queue_answers_busy_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer_on(dir.path(), 4);
    runtime().block_on(async {
        // One operation holds the writer thread until released; four more fill its queue.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let blocker = tokio::spawn({
            let writer = writer.clone();
            async move {
                writer
                    .run(move |_| {
                        let _ = started.send(());
                        let _ = held.recv();
                        Ok(())
                    })
                    .await
            }
        });
        running.await.unwrap();
        let mut queued: Vec<Pending> = (0..4)
            .map(|i| {
                let writer = writer.clone();
                Box::pin(async move { writer.run(move |l| Ok(l.store().put_site(&format!("s{i}"), "", 0)?)).await })
                    as Pending
            })
            .collect();
        // Polled once each: each is now in the queue, waiting for its answer.
        std::future::poll_fn(|cx| {
            for q in &mut queued {
                assert!(q.as_mut().poll(cx).is_pending());
            }
            std::task::Poll::Ready(())
        })
        .await;
        assert!(matches!(writer.run(|_| Ok(())).await, Err(LedgerError::Busy)));
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        for q in queued {
            q.await.unwrap();
        }
        assert_eq!(writer.run(|l| Ok(l.store().sites()?.len())).await.unwrap(), 4, "nothing queued was lost");
    });
}

#[test]
fn the_read_pool_cannot_write_and_survives_a_panicking_read() {
    let dir = tempfile::tempdir().unwrap();
    let writer = writer_on(dir.path(), 64);
    let readers = Readers::start(&StaffPlace::Sqlite(dir.path().to_owned()), 1, 8).unwrap();
    runtime().block_on(async {
        writer.run(|l| Ok(l.store().put_site("a", "", 0)?)).await.unwrap();
        assert_eq!(readers.run(|l| Ok(l.store().sites()?.len())).await.unwrap(), 1, "a reader sees the commits");
        let write = readers.run(|l| Ok(l.store().put_site("b", "", 0)?)).await;
        assert!(matches!(write, Err(LedgerError::Store(_))), "a write through a reader must fail: {write:?}");
        let panicked = readers
            .run(|_| {
                let empty: Vec<u8> = Vec::new();
                Ok(empty[empty.len()])
            })
            .await;
        assert!(panicked.is_err());
        // One connection only: the same thread answers after the panic.
        assert_eq!(readers.run(|l| Ok(l.store().sites()?.len())).await.unwrap(), 1);
    });
}
