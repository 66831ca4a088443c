//! The database's answers to a batch's reads, asked for all at once before its operations run.
//!
//! A submission reads twice (is its nonce used, which subject holds its email); asked one after the other, a batch
//! of 36 waited on 72 round trips. The writer knows those keys before it runs the batch ([`crate::writer`]), so
//! it asks for all of them in one statement right after `BEGIN` and the ledger's advisory lock — with the chain's
//! head, which every batch reads first — and the operations then find their answers here.
//!
//! Why the answers are the ones the sequential reads would have given:
//! - **Other collectors and staff commands.** Every transaction that writes `used_nonces` or `subjects` takes the
//!   ledger's advisory lock first (`BEGIN_WRITE`); the prefetch runs under this batch's lock, so nothing another
//!   process commits can land between the prefetch and our `COMMIT` — the same guarantee the sequential reads
//!   had, and a write committed just before the lock was granted is seen (READ COMMITTED: each statement sees
//!   what was committed before it began).
//! - **This batch's own writes.** These answers are what the *database* held when they were read; a lookup
//!   still consults the held rows first and applies them on top ([`super::deferred`]), exactly as it did on a
//!   sequential read's answer: a nonce used earlier in the batch is refused, a subject created earlier in the batch
//!   is found, a held row that gives an address up hides the stored subject.
//! - **Anything else that changes the database inside the transaction** (held rows sent early, any other write,
//!   a real savepoint rolled back) forgets every answer here, and the lookups fall back to one read each.
//! - A key that was not asked for is read as before.

use crate::storage::SubjectRow;
use std::collections::HashMap;

/// The prefetched answers of the current write transaction.
#[derive(Debug, Default)]
pub(super) struct Prefetched {
    /// The chain's last event (seq, hash), `Some(None)` for an empty chain, if it was asked.
    head: Option<Option<(u64, String)>>,
    /// (nonce, exp) asked → whether `used_nonces` holds it.
    nonces: HashMap<(String, i64), bool>,
    /// (site, email) asked → the stored subject holding that address, if any.
    subjects: HashMap<(String, String), Option<SubjectRow>>,
}

impl Prefetched {
    /// Forgets every answer: the database may have changed since they were read.
    pub(super) fn clear(&mut self) {
        if !self.is_empty() {
            self.head = None;
            self.nonces.clear();
            self.subjects.clear();
        }
    }

    /// No answer held.
    pub(super) fn is_empty(&self) -> bool {
        self.head.is_none() && self.nonces.is_empty() && self.subjects.is_empty()
    }

    /// Records the chain's head as read.
    pub(super) fn head_answered(&mut self, head: Option<(u64, String)>) {
        self.head = Some(head);
    }

    /// The chain's head as read ahead, if it was.
    pub(super) fn head(&self) -> Option<Option<(u64, String)>> {
        self.head.clone()
    }

    /// Records the answers for the nonces asked: those in `used` are in the table, the others are not.
    pub(super) fn nonces_answered(&mut self, asked: &[(&str, i64)], used: impl IntoIterator<Item = (String, i64)>) {
        for &(nonce, exp) in asked {
            self.nonces.insert((nonce.to_owned(), exp), false);
        }
        for key in used {
            self.nonces.insert(key, true);
        }
    }

    /// Records the answers for the addresses asked: `found` are the stored subjects holding some of them.
    pub(super) fn subjects_answered(&mut self, asked: &[(&str, &str)], found: Vec<SubjectRow>) {
        for &(site, email) in asked {
            self.subjects.insert((site.to_owned(), email.to_owned()), None);
        }
        for subject in found {
            if let Some(email) = subject.email.clone() {
                self.subjects.insert((subject.site.clone(), email), Some(subject));
            }
        }
    }

    /// Whether the database holds this used nonce, if it was asked.
    pub(super) fn nonce_used(&self, nonce: &str, exp: i64) -> Option<bool> {
        self.nonces.get(&(nonce.to_owned(), exp)).copied()
    }

    /// The stored subject holding this address (`Some(None)`: none), if it was asked.
    pub(super) fn subject_by_email(&self, site: &str, email: &str) -> Option<Option<SubjectRow>> {
        self.subjects.get(&(site.to_owned(), email.to_owned())).cloned()
    }
}
