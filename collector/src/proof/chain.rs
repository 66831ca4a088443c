//! Walking the chain from a known-good point: each event must hash to its stored hash, be a well-formed event
//! at the next sequence number, and point at the hash of the one before. What the walk has checked becomes the
//! next [`Checkpoint`], so that a proof bundle re-checks only the events added since the last one.

use crate::ledger::{Event, GENESIS_HASH, StoredEvent, sha256_hex};
use serde::{Deserialize, Serialize};

/// A point up to which the chain was verified from genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last event verified.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// When, Unix ms.
    pub at: i64,
}

/// The walk's position: the next event must follow `seq`/`hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWalk {
    seq: u64,
    hash: String,
    checked: u64,
}

impl ChainWalk {
    /// A walk from the first event.
    pub fn from_genesis() -> ChainWalk {
        ChainWalk { seq: 0, hash: GENESIS_HASH.to_owned(), checked: 0 }
    }

    /// A walk that continues after a checkpoint.
    pub fn from_checkpoint(checkpoint: &Checkpoint) -> ChainWalk {
        ChainWalk { seq: checkpoint.seq, hash: checkpoint.hash.clone(), checked: 0 }
    }

    /// Checks the next event; the error names it, French first.
    pub fn step(&mut self, stored: &StoredEvent) -> Result<(), String> {
        let seq = stored.seq;
        if seq != self.seq + 1 {
            return Err(format!(
                "événement {seq} : numéro attendu {} (un événement manque) / event {seq}: expected sequence number {}",
                self.seq + 1,
                self.seq + 1
            ));
        }
        if sha256_hex(stored.body.as_bytes()) != stored.hash {
            return Err(format!(
                "événement {seq} : son contenu ne correspond pas à son empreinte (événement modifié) / event {seq}: \
                 its content does not match its hash (altered event)"
            ));
        }
        let event: Event = serde_json::from_str(&stored.body)
            .map_err(|e| format!("événement {seq} : mal formé / event {seq}: not a well-formed ledger event ({e})"))?;
        if event.seq != seq || event.prev_hash != self.hash {
            return Err(format!(
                "événement {seq} : ne pointe pas vers l'empreinte de l'événement {} / event {seq}: prev_hash does not \
                 match the hash of event {}",
                seq - 1,
                seq - 1
            ));
        }
        self.seq = seq;
        self.hash.clone_from(&stored.hash);
        self.checked += 1;
        Ok(())
    }

    /// Where the walk stands, as a checkpoint at `at`.
    pub fn checkpoint(&self, at: i64) -> Checkpoint {
        Checkpoint { seq: self.seq, hash: self.hash.clone(), at }
    }

    /// Events checked by this walk.
    pub fn checked(&self) -> u64 {
        self.checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::EventKind;
    use std::collections::BTreeMap;

    fn chain(n: u64) -> Vec<StoredEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let event = Event {
                    seq,
                    prev_hash: prev.clone(),
                    kind: EventKind::Submitted,
                    at: "2026-12-01T10:00:00.000Z".into(),
                    site: "s".into(),
                    subject_id: format!("sub{seq}"),
                    record_id: None,
                    payload_sha256: None,
                    data_sha256: None,
                    detail: BTreeMap::new(),
                };
                let stored = StoredEvent::seal(&event).unwrap();
                prev.clone_from(&stored.hash);
                stored
            })
            .collect()
    }

    #[test]
    fn a_sound_chain_walks_and_resumes_from_its_checkpoint() {
        let events = chain(5);
        let mut walk = ChainWalk::from_genesis();
        for e in &events[..3] {
            walk.step(e).unwrap();
        }
        let mut resumed = ChainWalk::from_checkpoint(&walk.checkpoint(0));
        for e in &events[3..] {
            resumed.step(e).unwrap();
        }
        assert_eq!(resumed.checked(), 2);
        assert_eq!(resumed.checkpoint(1).hash, events[4].hash);
    }

    #[test]
    fn altered_missing_and_relinked_events_are_named() {
        let events = chain(3);
        let mut altered = events[1].clone();
        altered.body = altered.body.replace("sub2", "sub9");
        let mut walk = ChainWalk::from_genesis();
        walk.step(&events[0]).unwrap();
        assert!(walk.clone().step(&altered).unwrap_err().contains("event 2: its content does not match"));
        assert!(walk.clone().step(&events[2]).unwrap_err().contains("expected sequence number 2"));
        // Re-sealed after the change: the hash matches, but the next event no longer points at it.
        let mut event: Event = serde_json::from_str(&altered.body).unwrap();
        event.subject_id = "sub9".into();
        let resealed = StoredEvent::seal(&event).unwrap();
        walk.step(&resealed).unwrap();
        assert!(walk.step(&events[2]).unwrap_err().contains("event 3: prev_hash does not match"));
    }
}
