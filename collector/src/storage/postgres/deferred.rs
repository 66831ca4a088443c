//! The rows a batch writes, held in memory and sent at once: one statement, a multi-row insert per table
//! (`unnest` of one array per column), instead of one round trip per row.
//!
//! The writer runs a batch's operations one after the other on one connection; a submission alone used to wait on
//! about nine round trips (savepoint, nonce, subject, record, data, event, mail, release). Held here, its rows
//! cost nothing until the batch commits, and the whole batch sends one statement. Reads see them: the two a
//! submission makes (is the nonce used, who has this email; the database's answers read ahead for the whole
//! batch, [`super::prefetch`]) and the chain head are answered from these rows and the database together; every
//! other read sends the held rows first ([`super::PostgresStore`]'s `sync`).

use crate::storage::{NewMail, RecordData, RecordRow, StoredEvent, SubjectRow};
use std::collections::{HashMap, HashSet};

/// How many held rows make the store send them before the batch ends (a long `collector import` transaction).
pub(super) const FLUSH_AT: usize = 4096;

/// Where an operation's rows begin in each list: its savepoint, kept in memory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Marks {
    nonces: usize,
    subjects: usize,
    records: usize,
    data: usize,
    events: usize,
    mail: usize,
}

/// Rows written and not sent yet, in the order they were written.
#[derive(Debug, Default)]
pub(super) struct Deferred {
    pub(super) nonces: Vec<(String, i64)>,
    pub(super) subjects: Vec<SubjectRow>,
    /// Each record, and whether the caller promised its id is new ([`crate::storage::Store::insert_record`]).
    pub(super) records: Vec<(RecordRow, bool)>,
    /// Each record's data, and the same promise.
    pub(super) data: Vec<(RecordData, bool)>,
    /// Each event with its subject (the `subject_id` column).
    pub(super) events: Vec<(StoredEvent, String)>,
    pub(super) mail: Vec<(NewMail, i64)>,
    /// The nonces of `nonces`, for the reuse check.
    nonce_set: HashSet<String>,
    /// The position of each subject's latest row in `subjects`.
    latest_subject: HashMap<String, usize>,
    /// The position of the latest row naming each (site, email).
    by_email: HashMap<(String, String), usize>,
}

/// What the held rows say about a subject looked up by email.
pub(super) enum Held {
    /// A held row is the subject's latest and has this email.
    Found(SubjectRow),
    /// Not among the held rows: the database's answer stands, unless [`Deferred::supersedes`] says otherwise.
    Unknown,
}

impl Deferred {
    /// How many rows are held.
    pub(super) fn len(&self) -> usize {
        self.nonces.len()
            + self.subjects.len()
            + self.records.len()
            + self.data.len()
            + self.events.len()
            + self.mail.len()
    }

    /// Where the rows written from now on begin.
    pub(super) fn marks(&self) -> Marks {
        Marks {
            nonces: self.nonces.len(),
            subjects: self.subjects.len(),
            records: self.records.len(),
            data: self.data.len(),
            events: self.events.len(),
            mail: self.mail.len(),
        }
    }

    /// Forgets the rows written since `marks` (an operation undone).
    pub(super) fn truncate(&mut self, marks: Marks) {
        self.nonces.truncate(marks.nonces);
        self.subjects.truncate(marks.subjects);
        self.records.truncate(marks.records);
        self.data.truncate(marks.data);
        self.events.truncate(marks.events);
        self.mail.truncate(marks.mail);
        self.reindex();
    }

    /// Takes the rows written since `marks`, leaving the earlier ones.
    pub(super) fn split_off(&mut self, marks: Marks) -> Deferred {
        let mut tail = Deferred {
            nonces: self.nonces.split_off(marks.nonces),
            subjects: self.subjects.split_off(marks.subjects),
            records: self.records.split_off(marks.records),
            data: self.data.split_off(marks.data),
            events: self.events.split_off(marks.events),
            mail: self.mail.split_off(marks.mail),
            ..Deferred::default()
        };
        self.reindex();
        tail.reindex();
        tail
    }

    fn reindex(&mut self) {
        self.nonce_set = self.nonces.iter().map(|(nonce, _)| nonce.clone()).collect();
        self.latest_subject.clear();
        self.by_email.clear();
        for i in 0..self.subjects.len() {
            self.index_subject(i);
        }
    }

    fn index_subject(&mut self, i: usize) {
        let s = &self.subjects[i];
        self.latest_subject.insert(s.subject_id.clone(), i);
        if let Some(email) = &s.email {
            self.by_email.insert((s.site.clone(), email.clone()), i);
        }
    }

    /// Holds a used nonce; `false` if this batch already used it.
    pub(super) fn use_nonce(&mut self, nonce: &str, exp_ms: i64) -> bool {
        if !self.nonce_set.insert(nonce.to_owned()) {
            return false;
        }
        self.nonces.push((nonce.to_owned(), exp_ms));
        true
    }

    /// Whether this batch used the nonce.
    pub(super) fn nonce_used(&self, nonce: &str) -> bool {
        self.nonce_set.contains(nonce)
    }

    /// Holds a subject row.
    pub(super) fn put_subject(&mut self, subject: &SubjectRow) {
        self.subjects.push(subject.clone());
        self.index_subject(self.subjects.len() - 1);
    }

    /// The subject of `site` holding `email` according to the held rows.
    pub(super) fn subject_by_email(&self, site: &str, email: &str) -> Held {
        let Some(&i) = self.by_email.get(&(site.to_owned(), email.to_owned())) else { return Held::Unknown };
        let subject = &self.subjects[i];
        // A later row of that subject may have given the address up.
        if self.latest_subject.get(&subject.subject_id) == Some(&i) {
            Held::Found(subject.clone())
        } else {
            Held::Unknown
        }
    }

    /// The held latest row of a subject the database returned, if this batch wrote it since.
    pub(super) fn supersedes(&self, subject_id: &str) -> Option<&SubjectRow> {
        self.latest_subject.get(subject_id).map(|&i| &self.subjects[i])
    }

    /// The last held event, the chain's head while events are held.
    pub(super) fn last_event(&self) -> Option<&StoredEvent> {
        self.events.last().map(|(event, _)| event)
    }
}

/// The rows to send for a table whose statement is an upsert: one per key (PostgreSQL refuses to update a row
/// twice in one statement), each with its latest values. `at_first` keeps each key where it was first written
/// (subjects: an address given up must be free before another subject takes it, as it was in the sequence);
/// otherwise where it was last written (records: `write_order` follows the last write, as SQLite's rowid).
pub(super) fn latest_per_key<'a, T, K: std::hash::Hash + Eq>(
    rows: &'a [T],
    key: impl Fn(&'a T) -> K,
    at_first: bool,
) -> Vec<&'a T> {
    let mut last: HashMap<K, usize> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        last.insert(key(row), i);
    }
    let mut sent = HashSet::with_capacity(last.len());
    let mut out = Vec::with_capacity(last.len());
    for (i, row) in rows.iter().enumerate() {
        let Some(&latest) = last.get(&key(row)) else { continue };
        if at_first {
            if sent.insert(latest) {
                out.push(&rows[latest]);
            }
        } else if latest == i {
            out.push(row);
        }
    }
    out
}

/// The keys whose first held row came with the promise that the key is new: not in the database before this
/// batch (rows sent earlier in the batch leave the held lists, so they cannot be mistaken for new), so whatever
/// rows follow for them, the key's latest row can be a plain INSERT.
pub(super) fn promised_new<'a, T>(rows: &'a [T], key: impl Fn(&'a T) -> (&'a str, bool)) -> HashSet<&'a str> {
    let mut seen = HashSet::with_capacity(rows.len());
    let mut new = HashSet::with_capacity(rows.len());
    for row in rows {
        let (k, promised) = key(row);
        if seen.insert(k) && promised {
            new.insert(k);
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_new_only_when_its_first_held_row_promised_it() {
        let rows = [("a", true), ("a", false), ("b", false), ("b", true), ("c", false)];
        let new = promised_new(&rows, |r| *r);
        assert_eq!(new, HashSet::from(["a"]));
    }

    #[test]
    fn one_row_per_key_with_its_latest_values() {
        let rows = [("a", 1), ("b", 2), ("a", 3)];
        let last: Vec<_> = latest_per_key(&rows, |r| r.0, false).into_iter().copied().collect();
        assert_eq!(last, [("b", 2), ("a", 3)]);
        let first: Vec<_> = latest_per_key(&rows, |r| r.0, true).into_iter().copied().collect();
        assert_eq!(first, [("a", 3), ("b", 2)]);
    }
}
