//! Rectification (GDPR art. 16): the subject corrects the data held about them from the manage page.
//!
//! The signed submission stays as it was signed (it is the proof of the consent, and of what the form showed);
//! the corrected fields sit beside it in the held data, under `rectified`. The same holds for the canonical row
//! of an imported person and for the data of a consent given through the link: the row as imported (which the
//! `imported` event hashed) stays, the corrections beside it. Each record whose held data change
//! gets a `rectified` event naming the fields changed (never their values) and the SHA-256 of the new held data,
//! which `collector verify` then checks instead of the `submitted` event's.

use super::event::{EventKind, sha256_hex};
use super::{Ledger, LedgerError, refused};
use crate::clock::rfc3339;
use crate::storage::{RecordData, RecordRow, submission_of};
use consent::canonical::to_canonical_string;
use consent::protocol::{ProblemType, SubmissionPayload};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The subject's fields as held now: the corrected ones if the record was rectified, else the signed ones (a
/// submission's), or the `subject` of an imported row or of a consent given through the link.
pub fn held_fields(data: &str) -> Option<BTreeMap<String, String>> {
    let value = serde_json::from_str::<Value>(data).ok()?;
    let fields = |v: Option<&Value>| v.and_then(|s| serde_json::from_value::<BTreeMap<String, String>>(s.clone()).ok());
    fields(value.get("rectified").and_then(|r| r.get("subject")))
        .or_else(|| submission_of(data).map(|s| s.subject))
        .or_else(|| fields(value.get("subject")))
}

/// The signed submission with the subject's fields as held now (what exports and the register show).
pub fn held_submission(data: &str) -> Option<SubmissionPayload> {
    let mut submission = submission_of(data)?;
    if let Some(fields) = held_fields(data) {
        submission.subject = fields;
    }
    Some(submission)
}

/// A record's data as exports and statistics read them, whatever brought them: a signed submission, a row of an
/// imported list, or a consent given through the personal link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldForm {
    /// The fields as held now (corrected, if they were).
    pub subject: BTreeMap<String, String>,
    /// The CTA (`import`, `consent_link` where no widget form was shown).
    pub cta: String,
    /// The page the form was on (empty where there was none).
    pub page_url: String,
    /// The notice version the record was made under.
    pub notice_version: String,
}

/// Reads a record's held data into a [`HeldForm`]; `None` if they hold no fields.
pub fn held_form(data: &str, record: &RecordRow) -> Option<HeldForm> {
    let subject = held_fields(data)?;
    Some(match submission_of(data) {
        Some(s) => HeldForm { subject, cta: s.cta.to_string(), page_url: s.page_url, notice_version: s.notice_version },
        None => HeldForm {
            subject,
            cta: record.cta.clone(),
            page_url: String::new(),
            notice_version: record.notice_version.clone(),
        },
    })
}

/// The held data as they were before any correction: the signed submission exactly as received (the stored
/// text is canonical, so removing `rectified` and writing it canonically again gives back the original bytes,
/// which the `submitted` event's `data_sha256` covers).
pub fn signed_data(data: &str) -> String {
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(data) else { return data.to_owned() };
    // The career profile (ledger::profile) sits beside the submission too.
    let profiled = map.remove(super::profile::PROFILE_KEY).is_some();
    if map.remove("rectified").is_none() && !profiled {
        return data.to_owned();
    }
    to_canonical_string(&Value::Object(map)).unwrap_or_else(|_| data.to_owned())
}

/// `fields` applied to `current`: a value replaces, an empty value removes the field.
fn corrected(current: &BTreeMap<String, String>, fields: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut next = current.clone();
    for (id, value) in fields {
        let value = value.trim();
        if value.is_empty() {
            next.remove(id);
        } else {
            next.insert(id.clone(), value.to_owned());
        }
    }
    next
}

impl Ledger {
    /// Corrects the subject's fields (already checked against the form by the caller) in every record of theirs
    /// whose data are held; `email`, when given, becomes the subject's address (the new address has confirmed).
    /// Returns the names of the fields that changed; nothing changed, nothing is written. An address another
    /// subject of the site holds is refused.
    pub fn rectify(
        &mut self,
        record_id: &str,
        fields: &BTreeMap<String, String>,
        email: Option<&str>,
        now: i64,
    ) -> Result<BTreeSet<String>, LedgerError> {
        let record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let mut subject = self.store.subject(&record.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if subject.anonymised_at.is_some() {
            return Err(refused(ProblemType::UnknownRecord));
        }
        let mut email_changed = false;
        if let Some(email) = email
            && subject.email.as_deref() != Some(email)
        {
            if self.store.subject_by_email(&subject.site, email)?.is_some_and(|s| s.subject_id != subject.subject_id) {
                // The manage page refuses such an address before asking it to confirm; this is another subject
                // taking it in between.
                return Err(refused(ProblemType::InvalidField));
            }
            subject.email = Some(email.to_owned());
            email_changed = true;
        }
        let mut all_changed = BTreeSet::new();
        for r in self.store.records_of_subject(&subject.subject_id)? {
            let Some(held) = self.store.record_data(&r.record_id)? else { continue };
            let Some(current) = held_fields(&held.data) else { continue };
            let next = corrected(&current, fields);
            let changed: Vec<String> = current
                .keys()
                .chain(next.keys())
                .filter(|k| current.get(*k) != next.get(*k))
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if changed.is_empty() {
                continue;
            }
            let mut document: Value =
                serde_json::from_str(&held.data).map_err(|_| refused(ProblemType::UnknownRecord))?;
            if let Value::Object(map) = &mut document {
                map.insert("rectified".into(), json!({ "at": rfc3339(now), "subject": next }));
            }
            let data = to_canonical_string(&document)?;
            let data_sha256 = sha256_hex(data.as_bytes());
            self.store.put_record_data(&RecordData { data, ..held })?;
            let mut event = Self::event(EventKind::Rectified, now, &r.site, &r.subject_id, Some(&r.record_id));
            event.data_sha256 = Some(data_sha256);
            event.detail.insert("fields".into(), json!(changed));
            event.detail.insert("via".into(), json!("manage_link"));
            self.append(event, now)?;
            all_changed.extend(changed);
        }
        if email_changed || !all_changed.is_empty() {
            self.touch(&mut subject, now)?;
        }
        Ok(all_changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_replace_and_empty_values_remove() {
        let current: BTreeMap<String, String> =
            [("first_name", "Jean"), ("promo", "2015")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let fields: BTreeMap<String, String> =
            [("first_name", " Jeanne "), ("promo", "")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let next = corrected(&current, &fields);
        assert_eq!(next.get("first_name").map(String::as_str), Some("Jeanne"));
        assert!(!next.contains_key("promo"));
    }
}
