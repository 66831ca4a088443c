//! Consent given through the personal link (the manage page) by people who did not come through the widget: a
//! graduate the school imported, or someone whose consent from before (`legacy`) is to be reconfirmed.
//!
//! There is no signed submission, so what the chain covers is what the page showed and what the browser posted.
//! The page's **statement** ([`Shown`]: notice version, locale, controller, first layer, each purpose offered with
//! its label and explanation, and for a reconfirmation the evidence of the consent from before) is canonical JSON;
//! the form carries its SHA-256 and the collector recomputes it before recording, so a consent is always to the
//! statement actually shown. A new record (CTA [`LINK_CTA`], confirmed at once: the link was delivered to the
//! address, which proves it) holds beside the chain `{"link_consent": {from_record, posted, shown}, "subject"}`;
//! its `confirmed` event names `via: manage_link`, the notice version, the choices, `shown_sha256`, the posted
//! form's SHA-256 as `payload_sha256` and the held data's as `data_sha256` (which `collector verify` checks).
//! From then on it is an ordinary confirmed consent: exports, stats and the register count it. Ticking nothing
//! records nothing. Declining a consent from before records the answer `false` for that purpose (a `changed`
//! event naming `legacy: declined`), so that it is no longer "à reconfirmer" and a re-import does not bring it
//! back.

use super::event::{EventKind, sha256_hex};
use super::{Ledger, LedgerError, choices_value, held_fields, refused};
use crate::storage::{ConsentRow, RecordData, RecordRow, RecordStatus};
use consent::Locale;
use consent::canonical::to_canonical_string;
use consent::protocol::ProblemType;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The CTA name a record made through the personal link carries (no widget form was shown).
pub const LINK_CTA: &str = "consent_link";

/// What the page showed, exactly: the statement whose SHA-256 the form carries and the event names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shown {
    /// `consent` (the unticked boxes) or `reconfirm` (one consent from before).
    pub form: String,
    /// The notice version in force when the page was shown.
    pub notice_version: String,
    /// The page's language.
    pub locale: String,
    /// The controller's name.
    pub controller: String,
    /// The first layer of the notice, as shown under the boxes.
    pub first_layer: String,
    /// Where the full notice of that version is (a path on the collector).
    pub notice_url: String,
    /// Each purpose offered, in the order shown.
    pub purposes: Vec<ShownPurpose>,
}

/// One purpose as the page offered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShownPurpose {
    /// Purpose id.
    pub id: String,
    /// The box's label.
    pub label: String,
    /// The explanation under it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For a reconfirmation, the evidence of the consent from before, as imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl Shown {
    /// SHA-256 of the canonical statement.
    pub fn sha256(&self) -> Result<String, consent::canonical::CanonicalError> {
        Ok(sha256_hex(to_canonical_string(self)?.as_bytes()))
    }

    /// The choices a posted form makes: every purpose shown, ticked or not.
    pub fn choices(&self, ticked: &[&str]) -> BTreeMap<String, bool> {
        self.purposes.iter().map(|p| (p.id.clone(), ticked.contains(&p.id.as_str()))).collect()
    }
}

/// Where a link consent came from: the record whose link was followed, the form's bytes, the statement shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOrigin {
    /// The record the manage link names (the imported one).
    pub from_record: String,
    /// The posted form, exactly as received (`application/x-www-form-urlencoded`; no personal data).
    pub posted: String,
    /// The statement shown.
    pub shown: Shown,
}

/// The personal data held for a consent given through the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConsentData {
    /// How it was given.
    pub link_consent: LinkOrigin,
    /// The subject's fields as held (and shown on the page) when they consented.
    pub subject: BTreeMap<String, String>,
    /// Later corrections (art. 16), as [`super::rectify`] writes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectified: Option<Value>,
}

impl LinkConsentData {
    /// Reads stored data back; `None` for any other kind.
    pub fn parse(data: &str) -> Option<LinkConsentData> {
        serde_json::from_str(data).ok()
    }
}

/// A consent posted through the link, checked by the route against the statement it recomputed.
#[derive(Debug, Clone)]
pub struct LinkConsent {
    /// The record the manage link names.
    pub from_record: String,
    /// The new record's id.
    pub record_id: String,
    /// The statement shown (already checked against the form's `shown_sha256`).
    pub shown: Shown,
    /// The posted form's bytes.
    pub posted: String,
    /// Every purpose shown, ticked or not.
    pub choices: BTreeMap<String, bool>,
    /// The page's language.
    pub locale: Locale,
}

impl Ledger {
    /// The subject's fields as held now: those of their latest record whose data are held.
    fn current_fields(&mut self, subject_id: &str) -> Result<BTreeMap<String, String>, LedgerError> {
        for record in self.store.records_of_subject(subject_id)?.iter().rev() {
            if let Some(fields) = self.store.record_data(&record.record_id)?.and_then(|d| held_fields(&d.data)) {
                return Ok(fields);
            }
        }
        Ok(BTreeMap::new())
    }

    /// Records a consent given through the personal link (see the module's notes). Returns the new record, or
    /// `None` when nothing was ticked (nothing is written).
    pub fn consent_by_link(&mut self, given: LinkConsent, now: i64) -> Result<Option<RecordRow>, LedgerError> {
        let from = self.store.record(&given.from_record)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let mut subject = self.store.subject(&from.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if subject.anonymised_at.is_some() {
            return Err(refused(ProblemType::UnknownRecord));
        }
        if !given.choices.values().any(|&g| g) {
            return Ok(None);
        }
        // A form posted twice (or two tabs): the second finds the question already answered.
        let answered = self.store.consents_of(&subject.subject_id)?;
        let confirmed = self.store.records_of_subject(&subject.subject_id)?.iter().any(|r| r.confirmed_at.is_some());
        if (given.shown.form == "consent" && confirmed)
            || given.shown.purposes.iter().any(|p| answered.iter().any(|c| c.purpose == p.id))
        {
            return Err(refused(ProblemType::ChallengeReused));
        }
        let fields = self.current_fields(&subject.subject_id)?;
        let shown_sha256 = given.shown.sha256()?;
        let record = RecordRow {
            record_id: given.record_id.clone(),
            subject_id: subject.subject_id.clone(),
            site: from.site.clone(),
            cta: LINK_CTA.to_owned(),
            status: RecordStatus::Confirmed,
            choices: given.choices.clone(),
            notice_version: given.shown.notice_version.clone(),
            locale: given.locale,
            device: None,
            created_at: now,
            updated_at: now,
            confirmed_at: Some(now),
        };
        self.store.put_record(&record)?;
        let reconfirms: Vec<&str> =
            given.shown.purposes.iter().filter(|p| p.evidence.is_some()).map(|p| p.id.as_str()).collect();
        let reconfirms = json!(reconfirms);
        let notice_version = given.shown.notice_version.clone();
        let data = to_canonical_string(&LinkConsentData {
            link_consent: LinkOrigin {
                from_record: from.record_id.clone(),
                posted: given.posted.clone(),
                shown: given.shown,
            },
            subject: fields,
            rectified: None,
        })?;
        let data_sha256 = sha256_hex(data.as_bytes());
        self.store.put_record_data(&RecordData {
            record_id: record.record_id.clone(),
            subject_id: subject.subject_id.clone(),
            data,
        })?;
        for (purpose, granted) in &given.choices {
            self.store.put_consent(&ConsentRow {
                subject_id: subject.subject_id.clone(),
                purpose: purpose.clone(),
                granted: *granted,
                record_id: record.record_id.clone(),
                updated_at: now,
            })?;
        }
        self.touch(&mut subject, now)?;
        let mut event =
            Self::event(EventKind::Confirmed, now, &record.site, &record.subject_id, Some(&record.record_id));
        event.payload_sha256 = Some(sha256_hex(given.posted.as_bytes()));
        event.data_sha256 = Some(data_sha256);
        event.detail.insert("via".into(), json!("manage_link"));
        event.detail.insert("cta".into(), json!(LINK_CTA));
        event.detail.insert("from_record".into(), json!(from.record_id));
        event.detail.insert("notice_version".into(), json!(notice_version));
        event.detail.insert("choices".into(), choices_value(&given.choices));
        event.detail.insert("shown_sha256".into(), json!(shown_sha256));
        event.detail.insert("locale".into(), json!(given.locale.tag()));
        if reconfirms.as_array().is_some_and(|a| !a.is_empty()) {
            event.detail.insert("reconfirms".into(), reconfirms);
        }
        self.append(event, now)?;
        Ok(Some(record))
    }

    /// The record the manage link acts on: the one it names, unless that is an imported record and the subject
    /// has confirmed a record since (given consent through the link or the widget): then their latest confirmed
    /// one, so that later answers stand on a record that holds a consent, not on the imported row.
    pub fn acting_record(&mut self, record_id: &str) -> Result<String, LedgerError> {
        let record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if record.status != RecordStatus::Imported {
            return Ok(record.record_id);
        }
        let records = self.store.records_of_subject(&record.subject_id)?;
        Ok(records.into_iter().rev().find(|r| r.confirmed_at.is_some()).map_or(record.record_id, |r| r.record_id))
    }

    /// The person declines a consent from before: the answer for `purpose` becomes `false` on the imported
    /// record that carried it, and a `changed` event says so (`legacy: declined`). A purpose that is not (or no
    /// longer) to reconfirm is refused.
    pub fn decline_legacy(
        &mut self,
        record_id: &str,
        purpose: &str,
        notice_version: &str,
        now: i64,
    ) -> Result<(), LedgerError> {
        let from = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let mut subject = self.store.subject(&from.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if subject.anonymised_at.is_some() {
            return Err(refused(ProblemType::UnknownRecord));
        }
        if self.store.consents_of(&subject.subject_id)?.iter().any(|c| c.purpose == purpose) {
            return Err(refused(ProblemType::ChallengeReused));
        }
        let carrier = self
            .store
            .records_of_subject(&subject.subject_id)?
            .into_iter()
            .find(|r| r.status == RecordStatus::Imported && r.choices.get(purpose).copied().unwrap_or(false))
            .ok_or(refused(ProblemType::ChallengeReused))?;
        self.store.put_consent(&ConsentRow {
            subject_id: subject.subject_id.clone(),
            purpose: purpose.to_owned(),
            granted: false,
            record_id: carrier.record_id.clone(),
            updated_at: now,
        })?;
        self.touch(&mut subject, now)?;
        let mut event =
            Self::event(EventKind::Changed, now, &carrier.site, &carrier.subject_id, Some(&carrier.record_id));
        event.detail.insert("choices".into(), json!({ purpose: false }));
        event.detail.insert("via".into(), json!("manage_link"));
        event.detail.insert("legacy".into(), json!("declined"));
        event.detail.insert("notice_version".into(), json!(notice_version));
        self.append(event, now)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown() -> Shown {
        Shown {
            form: "consent".into(),
            notice_version: "v1".into(),
            locale: "fr".into(),
            controller: "École".into(),
            first_layer: "L'École traite…".into(),
            notice_url: "/v1/notices/v1".into(),
            purposes: vec![
                ShownPurpose { id: "community".into(), label: "Communauté".into(), description: None, evidence: None },
                ShownPurpose { id: "mentoring".into(), label: "Mentorat".into(), description: None, evidence: None },
            ],
        }
    }

    #[test]
    fn every_purpose_shown_gets_an_answer_and_the_statement_hash_covers_the_texts() {
        let s = shown();
        let choices = s.choices(&["mentoring", "unknown"]);
        assert_eq!(choices, BTreeMap::from([("community".into(), false), ("mentoring".into(), true)]));
        let mut other = s.clone();
        other.first_layer.push('.');
        assert_ne!(s.sha256().unwrap(), other.sha256().unwrap());
    }
}
