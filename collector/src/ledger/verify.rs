//! `collector verify`: recompute the chain from the first event and name the first broken link; check that the
//! personal data still held match the hashes the chain covers.

use super::event::{Event, EventKind, GENESIS_HASH, sha256_hex};
use crate::storage::{Store, StoreError};
use consent::canonical::ensure_canonical;
use std::collections::HashMap;

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    /// An event's stored body does not hash to its stored hash (the event was altered).
    #[error("event {seq}: its content does not match its hash (altered event)")]
    Hash {
        /// The event.
        seq: u64,
    },
    /// An event does not point to the previous event's hash (an event was altered, inserted or removed).
    #[error("event {seq}: prev_hash does not match the hash of event {prev_seq}")]
    Link {
        /// The event.
        seq: u64,
        /// The event before it.
        prev_seq: u64,
    },
    /// The sequence jumps (an event is missing).
    #[error("event {seq}: expected sequence number {expected}")]
    Gap {
        /// The event found.
        seq: u64,
        /// The number expected.
        expected: u64,
    },
    /// The body is not a canonical ledger event.
    #[error("event {seq}: not a well-formed ledger event ({reason})")]
    Body {
        /// The event.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// Personal data held for a record do not match the hash in its `submitted` (or `imported`, or latest
    /// `rectified`) event.
    #[error("record {record_id}: stored personal data do not match the hash in the ledger")]
    Data {
        /// The record.
        record_id: String,
    },
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Events checked.
    pub events: u64,
    /// The last event's hash (the chain's head), if any.
    pub head: Option<String>,
    /// Records whose personal data were checked.
    pub data_checked: u64,
}

/// Why verification could not run or failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyFailure {
    /// The chain or data are broken.
    #[error("{0}")]
    Broken(#[from] Broken),
    /// The database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Walks the whole chain, then the personal data, all in one read snapshot: on a live ledger, a record committed
/// between the walk and the read of the data would otherwise look like data without a hash.
pub fn verify_chain(store: &mut dyn Store) -> Result<VerifyReport, VerifyFailure> {
    store.begin_snapshot()?;
    let result = walk(store);
    // Read-only: ending it keeps and loses nothing.
    let ended = store.rollback();
    let report = result?;
    ended?;
    Ok(report)
}

fn walk(store: &mut dyn Store) -> Result<VerifyReport, VerifyFailure> {
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1u64;
    let mut data_hashes: HashMap<String, String> = HashMap::new();
    let mut after = 0u64;
    loop {
        let batch = store.events_after(after, 1000)?;
        if batch.is_empty() {
            break;
        }
        for stored in batch {
            let seq = stored.seq;
            if seq != expected_seq {
                return Err(Broken::Gap { seq, expected: expected_seq }.into());
            }
            if sha256_hex(stored.body.as_bytes()) != stored.hash {
                return Err(Broken::Hash { seq }.into());
            }
            ensure_canonical(&stored.body).map_err(|e| Broken::Body { seq, reason: e.to_string() })?;
            let event: Event =
                serde_json::from_str(&stored.body).map_err(|e| Broken::Body { seq, reason: e.to_string() })?;
            if event.seq != seq {
                return Err(Broken::Body { seq, reason: format!("body says seq {}", event.seq) }.into());
            }
            if event.prev_hash != expected_prev {
                return Err(Broken::Link { seq, prev_seq: seq - 1 }.into());
            }
            // A submission's data are its signed message; an imported person's, the canonical row (ledger::import);
            // a consent given through the personal link, its `confirmed` event's (ledger::link_consent); once
            // rectified, the data the latest `rectified` event names (ledger::rectify).
            if matches!(
                event.kind,
                EventKind::Submitted | EventKind::Imported | EventKind::Rectified | EventKind::Confirmed
            ) && let (Some(record), Some(hash)) = (event.record_id, event.data_sha256)
            {
                data_hashes.insert(record, hash);
            }
            expected_prev = stored.hash;
            expected_seq += 1;
            after = seq;
        }
    }
    let mut data_checked = 0;
    for data in store.all_record_data()? {
        match data_hashes.get(&data.record_id) {
            Some(hash) if *hash == sha256_hex(data.data.as_bytes()) => data_checked += 1,
            _ => return Err(Broken::Data { record_id: data.record_id }.into()),
        }
    }
    Ok(VerifyReport { events: expected_seq - 1, head: (expected_seq > 1).then_some(expected_prev), data_checked })
}
