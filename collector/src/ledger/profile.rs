//! The career profile (issue 15.2): optional fields the subject fills in on the manage page, under a consent to a
//! purpose that covers their data category (`[[profile]]` in `consent.toml`).
//!
//! The profile sits in the held data beside the signed submission, under `profile` (field id → value; a choice
//! field holds the choice's id), as corrections sit under `rectified`. Each change is a `rectified` event naming
//! the fields changed as `profile.<id>` (never their values) with the SHA-256 of the new held data, so
//! `collector verify` checks the profile as it checks a correction, and erasure removes it with the record.

use super::event::{EventKind, sha256_hex};
use super::{Ledger, LedgerError, refused};
use crate::storage::{RecordData, SubjectRow, submission_of};
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
