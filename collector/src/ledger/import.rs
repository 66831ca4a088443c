//! People brought in from a school's graduates list (`collector import`), and consents given before the
//! collector existed (`--legacy-consent`).
//!
//! An imported person has no signed submission, so what stands in the chain for their data is the **canonical
//! row**: the RFC 8785 JSON of `{"imported": {"file_sha256", "line", "source"}, "subject": {field: value}}`,
//! stored in `record_data` like a submission and hashed into the `imported` event's `data_sha256`. `collector
//! verify` checks it like a submission's; erasure deletes it and the chain still verifies. The event itself holds
//! no personal data: the source, the file's SHA-256, the line, and the soft opt-in purposes the person is held
//! under. It is never a consent: no answer (`consents` row) is written. A legacy consent is a `legacy` event on
//! the same record, carrying the purpose and the evidence; the record's `choices` say which purpose it covers,
//! and it stays apart ("à reconfirmer") until the person answers for that purpose themselves.

use super::{Ledger, LedgerError};
use crate::keys::sortable_id;
use crate::storage::{RecordData, RecordRow, RecordStatus, StoreError, SubjectRow};
use consent::Locale;
use consent::canonical::to_canonical_string;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

use super::{EventKind, sha256_hex};

/// The CTA name an imported record carries (no form was shown).
pub const IMPORT_CTA: &str = "import";

/// One person of a graduates list, checked and ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPerson {
    /// The line of the file where the person's row starts (1 is the header).
    pub line: u64,
    /// Normalised email (trimmed, lowercase), also in `subject`.
    pub email: String,
    /// The site's fields, as the form would have sent them.
    pub subject: BTreeMap<String, String>,
}

/// A consent given before the collector, as the staff bring it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyConsent {
    /// The purpose it was given for (a consent-basis purpose of the site).
    pub purpose: String,
    /// How it was collected, e.g. "Formulaire papier, gala 2016" (no personal data: it enters the chain).
    pub evidence: String,
}

/// A whole file, ready to record.
#[derive(Debug, Clone)]
pub struct ImportBatch<'a> {
    /// The site.
    pub site: &'a str,
    /// Where the list comes from, as the staff name it (enters the chain).
    pub source: &'a str,
    /// SHA-256 of the file's bytes, as read.
    pub file_sha256: &'a str,
    /// The notice version in force, which the records name.
    pub notice_version: &'a str,
    /// The site's default locale (for later emails).
    pub locale: Locale,
    /// The site's soft opt-in purposes, under which the people are held.
    pub purposes: &'a [String],
    /// A consent given before, if the file carries one.
    pub legacy: Option<&'a LegacyConsent>,
    /// The people.
    pub people: &'a [ImportedPerson],
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// Subjects created.
    pub created: u64,
    /// Legacy consents recorded.
    pub legacy: u64,
    /// Lines whose address the site already holds, left as they are (a re-import of next year's list adds only
    /// the new graduates).
    pub known: Vec<u64>,
    /// Lines whose address objected to the school's messages before (kept by address, so that an erased or
    /// re-imported person stays objected): left out, never held again under soft opt-in.
    pub objected: Vec<u64>,
}

/// The personal data held for an imported person (the canonical row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedData {
    /// Where the row came from.
    pub imported: ImportOrigin,
    /// The site's fields, as imported.
    pub subject: BTreeMap<String, String>,
    /// Later corrections by the person (art. 16), as [`super::rectify`] writes them: the row as imported stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rectified: Option<serde_json::Value>,
}

/// The file and line a person was imported from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportOrigin {
    /// SHA-256 of the file.
    pub file_sha256: String,
    /// The line.
    pub line: u64,
    /// The source, as named by the staff.
    pub source: String,
}

impl ImportedData {
    /// Reads stored data back; `None` for a submission's.
    pub fn parse(data: &str) -> Option<ImportedData> {
        serde_json::from_str(data).ok()
    }

    /// The fields as held now: corrected, if the person rectified them.
    pub fn held_subject(&self) -> BTreeMap<String, String> {
        self.rectified
            .as_ref()
            .and_then(|r| r.get("subject"))
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .unwrap_or_else(|| self.subject.clone())
    }
}

/// What an import does with one person.
enum Decision {
    /// A new subject.
    New,
    /// A subject already held, who gets the consent from before (they have not answered for that purpose).
    Legacy(SubjectRow),
    /// A subject already held, left as they are.
    Known,
    /// An address that objected to the soft opt-in messages: not brought in under it again.
    Objected,
}

impl Ledger {
    /// A person whose address the site holds is left as they are, unless the file brings a consent from before
    /// for a purpose they have neither answered through the form nor been given one for by an earlier import.
    fn decide(
        &mut self,
        site: &str,
        person: &ImportedPerson,
        legacy: Option<&LegacyConsent>,
    ) -> Result<Decision, StoreError> {
        if legacy.is_none() && crate::campaign::has_objected(self.store(), site, &person.email, "soft_opt_in")? {
            return Ok(Decision::Objected);
        }
        let Some(subject) = self.store.subject_by_email(site, &person.email)? else { return Ok(Decision::New) };
        let Some(legacy) = legacy else { return Ok(Decision::Known) };
        let answered = self.store.consents_of(&subject.subject_id)?.iter().any(|c| c.purpose == legacy.purpose);
        let brought =
            self.store.records_of_subject(&subject.subject_id)?.iter().any(|r| {
                r.status == RecordStatus::Imported && r.choices.get(&legacy.purpose).copied().unwrap_or(false)
            });
        Ok(if answered || brought { Decision::Known } else { Decision::Legacy(subject) })
    }

    /// What [`Ledger::import`] would do, without writing (the dry run).
    pub fn survey(
        &mut self,
        site: &str,
        people: &[ImportedPerson],
        legacy: Option<&LegacyConsent>,
    ) -> Result<ImportOutcome, StoreError> {
        let mut outcome = ImportOutcome::default();
        for person in people {
            match self.decide(site, person, legacy)? {
                Decision::New => {
                    outcome.created += 1;
                    outcome.legacy += u64::from(legacy.is_some());
                }
                Decision::Legacy(_) => outcome.legacy += 1,
                Decision::Known => outcome.known.push(person.line),
                Decision::Objected => outcome.objected.push(person.line),
            }
        }
        Ok(outcome)
    }

    /// Records every person of a batch: a new subject for an address not held (a known one is left as it is,
    /// unless it gets a consent from before, see [`Ledger::survey`]), an `imported` record with the canonical row
    /// beside the chain, an `imported` event and, with a legacy consent, a `legacy` event. Run it inside
    /// [`Ledger::transaction`] (or as one writer operation): an error leaves nothing.
    pub fn import(&mut self, batch: &ImportBatch<'_>, now: i64) -> Result<ImportOutcome, LedgerError> {
        let mut outcome = ImportOutcome::default();
        let purposes = json!(batch.purposes);
        for person in batch.people {
            let subject = match self.decide(batch.site, person, batch.legacy)? {
                Decision::Known => {
                    outcome.known.push(person.line);
                    continue;
                }
                Decision::Objected => {
                    outcome.objected.push(person.line);
                    continue;
                }
                Decision::Legacy(mut subject) => {
                    subject.last_activity_at = subject.last_activity_at.max(now);
                    subject
                }
                Decision::New => {
                    outcome.created += 1;
                    SubjectRow {
                        subject_id: sortable_id(now),
                        site: batch.site.to_owned(),
                        email: Some(person.email.clone()),
                        created_at: now,
                        last_activity_at: now,
                        anonymised_at: None,
                    }
                }
            };
            self.store.put_subject(&subject)?;
            let record_id = sortable_id(now);
            let choices: BTreeMap<String, bool> =
                batch.legacy.iter().map(|legacy| (legacy.purpose.clone(), true)).collect();
            self.store.put_record(&RecordRow {
                record_id: record_id.clone(),
                subject_id: subject.subject_id.clone(),
                site: batch.site.to_owned(),
                cta: IMPORT_CTA.to_owned(),
                status: RecordStatus::Imported,
                choices,
                notice_version: batch.notice_version.to_owned(),
                locale: batch.locale,
                device: None,
                created_at: now,
                updated_at: now,
                confirmed_at: None,
            })?;
            let data = to_canonical_string(&ImportedData {
                imported: ImportOrigin {
                    file_sha256: batch.file_sha256.to_owned(),
                    line: person.line,
                    source: batch.source.to_owned(),
                },
                subject: person.subject.clone(),
                rectified: None,
            })?;
            let data_sha256 = sha256_hex(data.as_bytes());
            self.store.put_record_data(&RecordData {
                record_id: record_id.clone(),
                subject_id: subject.subject_id.clone(),
                data,
            })?;
            let mut event = Self::event(EventKind::Imported, now, batch.site, &subject.subject_id, Some(&record_id));
            event.data_sha256 = Some(data_sha256);
            event.detail.insert("source".into(), json!(batch.source));
            event.detail.insert("file_sha256".into(), json!(batch.file_sha256));
            event.detail.insert("line".into(), json!(person.line));
            if !batch.purposes.is_empty() {
                event.detail.insert("basis".into(), json!("soft_opt_in"));
                event.detail.insert("purposes".into(), purposes.clone());
            }
            self.append(event, now)?;
            if let Some(legacy) = batch.legacy {
                let mut event = Self::event(EventKind::Legacy, now, batch.site, &subject.subject_id, Some(&record_id));
                event.detail.insert("purpose".into(), json!(legacy.purpose));
                event.detail.insert("evidence".into(), json!(legacy.evidence));
                event.detail.insert("status".into(), json!("to_reconfirm"));
                self.append(event, now)?;
                outcome.legacy += 1;
            }
        }
        Ok(outcome)
    }
}
