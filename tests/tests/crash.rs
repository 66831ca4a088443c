//! Crash durability (DESIGN §12): load against the real collector, `kill -9` mid-stream several times, restart on
//! the same data folder; every submission that got a `201` is in the ledger afterwards (its record, and the event
//! its receipt names), the receipts verify, and `collector verify` passes.
//!
//! Bounded by work, not by time: a fixed number of crashes, each after a fixed number of new `201`s.

mod support;

use consent::protocol::SubmissionAccepted;
use consent::signature::CollectorPublicKey;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{Alumnus, Api, Device, Server};

/// How many times the collector is killed.
const CRASHES: usize = 8;
/// New `201`s awaited between two crashes.
const ACCEPTED_PER_ROUND: usize = 100;
/// Concurrent clients.
const CLIENTS: u64 = 16;

#[test]
fn every_201_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut server = Server::start(dir.path());
    let url = server.url.clone();
    let config = Api::new(&url).widget_config();
    let receipt_key = config.receipt_key.clone().unwrap_or_default();
    let accepted: Arc<Mutex<Vec<SubmissionAccepted>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicU64::new(0));

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (url, config, accepted, stop, failures) =
                (url.clone(), config.clone(), accepted.clone(), stop.clone(), failures.clone());
            std::thread::spawn(move || {
                let api = Api::new(&url);
                let mut n = client * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let device = Device::numbered(n);
                    // While the collector is down, both calls fail fast (connection refused): try again.
                    let Ok(challenge) = api.challenge() else {
                        failures.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    };
                    let envelope = device.seal(&Alumnus::numbered(n).submission(&config, challenge, &device.jwk));
                    match api.submit(&envelope) {
                        Ok(answer) if answer.status == 201 => {
                            let ok: SubmissionAccepted = serde_json::from_value(answer.json)
                                .unwrap_or_else(|e| panic!("a 201 without a SubmissionAccepted body: {e}"));
                            accepted.lock().unwrap_or_else(|e| e.into_inner()).push(ok);
                        }
                        Ok(answer) => {
                            // Only a crash may interrupt a valid submission; an answer must be a success.
                            assert!(
                                answer.status >= 500,
                                "a valid submission refused: {} {:?}",
                                answer.status,
                                answer.json
                            );
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();

    let count = || accepted.lock().unwrap_or_else(|e| e.into_inner()).len();
    for round in 0..CRASHES {
        let target = count() + ACCEPTED_PER_ROUND;
        let reached = e2e::wait_until(Duration::from_secs(60), || (count() >= target).then_some(()));
        assert!(reached.is_some(), "round {round}: the load stalled at {} accepted", count());
        server.restart();
    }
    let target = count() + ACCEPTED_PER_ROUND;
    assert!(e2e::wait_until(Duration::from_secs(60), || (count() >= target).then_some(())).is_some());
    // The last crash lands mid-stream too; then the clients stop.
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap_or_else(|_| panic!("a client thread panicked"));
    }

    let accepted = std::mem::take(&mut *accepted.lock().unwrap_or_else(|e| e.into_inner()));
    assert!(accepted.len() >= (CRASHES + 1) * ACCEPTED_PER_ROUND);
    let key = CollectorPublicKey::from_base64url(&receipt_key).unwrap_or_else(|e| panic!("receipt key: {e:?}"));
    let ledger = server.ledger();
    let stored = ledger.record_ids();
    let mut lost = Vec::new();
    for ok in &accepted {
        let id = &ok.record_id.0;
        key.verify_receipt(&ok.receipt).unwrap_or_else(|e| panic!("receipt of {id}: {e:?}"));
        let event = ledger.event(ok.receipt.body.ledger_seq);
        let in_chain = event.as_deref().is_some_and(|body| body.contains(id.as_str()));
        if !stored.contains(id) || !in_chain {
            lost.push(format!(
                "{id} (seq {}, record row {}, event {in_chain})",
                ok.receipt.body.ledger_seq,
                stored.contains(id)
            ));
        }
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged submissions lost after kill -9:\n{}",
        lost.len(),
        accepted.len(),
        lost.join("\n")
    );
    let (verified, report) = server.verify();
    assert!(verified, "collector verify failed after the crashes:\n{report}");
    eprintln!(
        "{} submissions acknowledged across {CRASHES} + 1 kills, all in the ledger; {} attempts interrupted",
        accepted.len(),
        failures.load(Ordering::Relaxed)
    );
}
