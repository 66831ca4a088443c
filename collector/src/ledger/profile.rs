//! The career profile (issue 15.2): optional fields the subject fills in on the manage page, under a consent to a
//! purpose that covers their data category (`[[profile]]` in `consent.toml`).
//!
//! The profile sits in the held data beside the signed submission, under `profile` (field id → value; a choice
//! field holds the choice's id), as corrections sit under `rectified`. Each change is a `rectified` event naming
//! the fields changed as `profile.<id>` (never their values) with the SHA-256 of the new held data, so
//! `collector verify` checks the profile as it checks a correction, and erasure removes it with the record.

use super::event::{EventKind, sha256_hex};
use super::{Ledger, LedgerError, refused};
use crate::storage::{Backend, RecordData, RecordStatus, Store, StoreError, SubjectRow, submission_of};
use consent::canonical::to_canonical_string;
use consent::protocol::ProblemType;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The key of the profile in the held data.
pub const PROFILE_KEY: &str = "profile";

/// The profile held in a record's data: field id → value (a choice field holds the choice id); empty if none.
pub fn held_profile(data: &str) -> BTreeMap<String, String> {
    serde_json::from_str::<Value>(data)
        .ok()
        .and_then(|v| v.get(PROFILE_KEY).cloned())
        .and_then(|p| serde_json::from_value::<BTreeMap<String, String>>(p).ok())
        .unwrap_or_default()
}

/// `answers` applied to `current`: `Some` sets the field, `None` removes it; fields not answered are kept.
fn answered(
    current: &BTreeMap<String, String>,
    answers: &BTreeMap<String, Option<String>>,
) -> BTreeMap<String, String> {
    let mut next = current.clone();
    for (id, value) in answers {
        match value {
            Some(value) => next.insert(id.clone(), value.clone()),
            None => next.remove(id),
        };
    }
    next
}

/// The held data with `profile` as the profile (the key left out when it is empty), canonical.
fn with_profile(data: &str, profile: &BTreeMap<String, String>) -> Result<String, LedgerError> {
    let mut document: Value = serde_json::from_str(data).map_err(|_| refused(ProblemType::UnknownRecord))?;
    let Value::Object(map) = &mut document else { return Err(refused(ProblemType::UnknownRecord)) };
    if profile.is_empty() {
        map.remove(PROFILE_KEY);
    } else {
        map.insert(PROFILE_KEY.into(), json!(profile));
    }
    Ok(to_canonical_string(&document)?)
}

impl Ledger {
    /// Sets the subject's profile fields (already checked against `[[profile]]` by the caller) in every record of
    /// theirs whose signed submission is held: `Some` answers a field, `None` leaves it out. Returns the fields
    /// that changed; nothing changed, nothing is written.
    pub fn set_profile(
        &mut self,
        record_id: &str,
        answers: &BTreeMap<String, Option<String>>,
        now: i64,
    ) -> Result<BTreeSet<String>, LedgerError> {
        let record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let mut subject: SubjectRow =
            self.store.subject(&record.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if subject.anonymised_at.is_some() {
            return Err(refused(ProblemType::UnknownRecord));
        }
        let mut all_changed = BTreeSet::new();
        for r in self.store.records_of_subject(&subject.subject_id)? {
            let Some(held) = self.store.record_data(&r.record_id)? else { continue };
            if submission_of(&held.data).is_none() {
                continue;
            }
            let current = held_profile(&held.data);
            let next = answered(&current, answers);
            let changed: BTreeSet<String> =
                current.keys().chain(next.keys()).filter(|k| current.get(*k) != next.get(*k)).cloned().collect();
            if changed.is_empty() {
                continue;
            }
            let data = with_profile(&held.data, &next)?;
            let data_sha256 = sha256_hex(data.as_bytes());
            self.store.put_record_data(&RecordData { data, ..held })?;
            let mut event = Self::event(EventKind::Rectified, now, &r.site, &r.subject_id, Some(&r.record_id));
            event.data_sha256 = Some(data_sha256);
            let names: Vec<String> = changed.iter().map(|f| format!("{PROFILE_KEY}.{f}")).collect();
            event.detail.insert("fields".into(), json!(names));
            event.detail.insert("via".into(), json!("manage_link"));
            self.append(event, now)?;
            all_changed.extend(changed);
        }
        if !all_changed.is_empty() {
            self.touch(&mut subject, now)?;
        }
        Ok(all_changed)
    }
}

/// How often the « mettez à jour votre profil » reminder may come: at most once a year, the first a year after
/// the consent that covers the profile.
pub const REMINDER_EVERY_MS: i64 = 365 * crate::clock::DAY_MS;

/// The basis an opt-out of the reminder is recorded under, in the `objected` event.
pub const REMINDER_BASIS: &str = "profile_reminder";

/// A site whose profile a reminder is about: its id and the consent purposes (opt-in) that cover a profile field.
#[derive(Debug, Clone)]
pub struct ReminderSite {
    /// The site.
    pub site: String,
    /// The purposes whose consent covers at least one `[[profile]]` field.
    pub covering: Vec<String>,
}

impl ReminderSite {
    /// The site's reminder scope, `None` when no purpose covers a profile field (or there is no profile).
    pub fn of(site: &crate::sites::Site) -> Option<ReminderSite> {
        let config = &site.config;
        let covering: Vec<String> = config
            .purposes()
            .iter()
            .filter(|p| p.basis == consent::LegalBasis::OptIn)
            .filter(|p| !config.profile_covered_by(&[p.id.as_str()]).is_empty())
            .map(|p| p.id.to_string())
            .collect();
        (!covering.is_empty()).then(|| ReminderSite { site: config.site().to_string(), covering })
    }
}

/// The reminder scope of every site served.
pub fn reminder_sites(sites: &crate::sites::Sites) -> Vec<ReminderSite> {
    sites.iter().filter_map(|s| ReminderSite::of(&s)).collect()
}

macro_rules! on_either {
    ($(#[$doc:meta] $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        #[$doc]
        fn $name(store: &mut dyn Store, $($arg: $ty),*) -> Result<$ret, StoreError> {
            match store.backend() {
                Backend::Sqlite(s) => crate::storage::sqlite::profile_reminder::$name(s, $($arg),*),
                Backend::Postgres(s) => crate::storage::postgres::profile_reminder::$name(s, $($arg),*),
            }
        }
    )*};
}

on_either! {
    /// Takes a subject's reminder (`false` if taken within the year, or opted out).
    claim(site: &str, subject_id: &str, now: i64, not_after: i64) -> bool;
    /// Records the opt-out (`false` if already recorded).
    opt_out(site: &str, subject_id: &str, now: i64) -> bool;
    /// When the subject opted out.
    opted_out_at(site: &str, subject_id: &str) -> Option<i64>;
}

/// Whether the subject asked for no more profile reminders on `site`.
pub fn reminder_stopped(store: &mut dyn Store, site: &str, subject_id: &str) -> Result<bool, StoreError> {
    Ok(opted_out_at(store, site, subject_id)?.is_some())
}

impl Ledger {
    /// Queues the profile reminders due at `now`: to each subject whose consent in force to a covering purpose
    /// is a year old or more, whose data are held, whose address has not bounced for good and who did not opt
    /// out, unless one was queued within the year. Each is taken by one upsert before its email is queued, in
    /// the caller's transaction: two collectors on one database running the pass at once queue it once.
    /// The emails are due at `due_at` (`now`, unless a moved clock — `purge --now` — is ahead of the real one:
    /// what the pass decided leaves at once). Returns how many were queued.
    pub fn queue_profile_reminders(
        &mut self,
        sites: &[ReminderSite],
        now: i64,
        due_at: i64,
    ) -> Result<usize, LedgerError> {
        let mut queued = 0;
        for scope in sites {
            let mut since: BTreeMap<String, i64> = BTreeMap::new();
            for c in self.store.granted_all(&scope.site)? {
                if c.granted && scope.covering.contains(&c.purpose) {
                    let at = since.entry(c.subject_id.clone()).or_insert(c.updated_at);
                    *at = (*at).min(c.updated_at);
                }
            }
            for (subject_id, consented_at) in since {
                if now - consented_at < REMINDER_EVERY_MS {
                    continue;
                }
                let Some(subject) = self.store.subject(&subject_id)? else { continue };
                let Some(email) = subject.email.filter(|_| subject.anonymised_at.is_none()) else { continue };
                if crate::campaign::is_undeliverable(self.store(), &scope.site, &email)? {
                    continue;
                }
                let records = self.store.records_of_subject(&subject_id)?;
                let latest = records
                    .iter()
                    .filter(|r| r.site == scope.site && r.status == RecordStatus::Confirmed)
                    .max_by_key(|r| (r.updated_at, r.created_at));
                let Some(record) = latest else { continue };
                if !claim(self.store(), &scope.site, &subject_id, now, now - REMINDER_EVERY_MS)? {
                    continue;
                }
                let job = crate::mail::MailJob::ProfileReminder { record_id: record.record_id.clone() };
                self.store.enqueue_mail(&job.to(&email), due_at)?;
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Records that the subject of `record_id` wants no more profile reminders: the row that stops them and an
    /// `objected` event (basis `profile_reminder`, the purposes covering the profile, `via`), in one
    /// transaction; `false` (nothing written) if they had already opted out.
    pub fn stop_profile_reminders(
        &mut self,
        record_id: &str,
        purposes: &[String],
        via: &str,
        now: i64,
    ) -> Result<bool, LedgerError> {
        let record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if !opt_out(self.store(), &record.site, &record.subject_id, now)? {
            return Ok(false);
        }
        let mut event = Self::event(EventKind::Objected, now, &record.site, &record.subject_id, Some(record_id));
        event.detail.insert("basis".into(), json!(REMINDER_BASIS));
        event.detail.insert("purposes".into(), json!(purposes));
        event.detail.insert("via".into(), json!(via));
        self.append(event, now)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_is_read_beside_the_submission_and_answers_replace_or_remove() {
        let data = r#"{"payload":"{}","profile":{"city":"Lyon","situation":"employed"},"signature":"x"}"#;
        let held = held_profile(data);
        assert_eq!(held.get("situation").map(String::as_str), Some("employed"));
        assert!(held_profile(r#"{"payload":"{}","signature":"x"}"#).is_empty());
        let answers = BTreeMap::from([("city".to_owned(), None), ("sector".to_owned(), Some("industry".to_owned()))]);
        let next = answered(&held, &answers);
        assert_eq!(next.keys().map(String::as_str).collect::<Vec<_>>(), ["sector", "situation"]);
        let written = with_profile(data, &BTreeMap::new()).unwrap();
        assert!(!written.contains("profile"), "{written}");
    }
}
