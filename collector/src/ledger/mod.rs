//! The consent ledger: append-only events in a SHA-256 hash chain, with the records' current state and the
//! personal data kept beside it.
//!
//! Every operation here runs inside the writer's batch transaction ([`crate::writer`]); an operation that
//! returns an error is rolled back to its savepoint, so a refused request stores nothing. Personal data live in
//! `record_data` and `subjects.email`; the chain holds only their SHA-256, so erasure deletes the data and the
//! chain still verifies.

mod event;
pub mod import;
pub mod link_consent;
pub mod objection;
pub mod profile;
mod rectify;
mod verify;

pub use crate::storage::StoredEvent;
pub use event::{Event, EventKind, GENESIS_HASH, sha256_hex};
pub use profile::held_profile;
pub use rectify::{HeldForm, held_fields, held_form, held_submission, signed_data};
pub use verify::{Broken, VerifyFailure, VerifyReport, verify_chain};

use crate::clock::rfc3339;
use crate::storage::{ConsentRow, NewMail, RecordData, RecordRow, RecordStatus, Store, StoreError, SubjectRow};
use consent::Locale;
use consent::protocol::ProblemType;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Why a ledger operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Refused for a reason the client is told (nothing was stored).
    #[error("refused: {}", .0.slug())]
    Refused(ProblemType),
    /// The storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event could not be canonicalised.
    #[error(transparent)]
    Canonical(#[from] consent::canonical::CanonicalError),
    /// The writer's or the readers' queue is full: answered 503 with `Retry-After`, nothing was stored.
    #[error("the ledger is busy; try again shortly")]
    Busy,
}

/// Where an event landed in the chain: what a receipt states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Its sequence number.
    pub seq: u64,
    /// The hash of the event before it.
    pub prev_hash: String,
    /// When it was recorded, Unix ms.
    pub at_ms: i64,
}

/// A verified submission, ready to record.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The new record's id (made by the caller, so that links can be signed outside the writer).
    pub record_id: String,
    /// The id a new subject gets if the email is not known yet.
    pub new_subject_id: String,
    /// The site.
    pub site: String,
    /// Normalised email.
    pub email: String,
    /// The CTA.
    pub cta: String,
    /// Choices per purpose.
    pub choices: BTreeMap<String, bool>,
    /// The notice version shown.
    pub notice_version: String,
    /// The form's locale.
    pub locale: Locale,
    /// The device key thumbprint.
    pub device: String,
    /// SHA-256 of the signed payload.
    pub payload_sha256: String,
    /// The personal data kept beside the chain (canonical `{"payload","signature"}`).
    pub data: String,
    /// The challenge nonce, used up by this submission.
    pub nonce: String,
    /// When the challenge expires, Unix ms (the nonce is kept until then).
    pub nonce_exp_ms: i64,
    /// The confirmation email.
    pub mail: Option<NewMail>,
}

/// What the subject (or their device) asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Set these purposes.
    Change {
        /// Choices per purpose.
        choices: BTreeMap<String, bool>,
        /// The notice version the subject was shown when choosing, recorded in the `changed` event; `None` when
        /// the channel does not say (the device's signed action): the record's version then stands.
        notice_version: Option<String>,
    },
    /// Withdraw every purpose.
    Withdraw,
}

/// Who acts, and through which channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The device key that made the record, with a fresh challenge.
    Device {
        /// Its thumbprint.
        device: String,
        /// The challenge nonce.
        nonce: String,
        /// Its expiry, Unix ms.
        nonce_exp_ms: i64,
        /// SHA-256 of the signed action.
        payload_sha256: String,
    },
    /// The manage page, reached through a link signed by the collector.
    ManageLink,
}

/// Through which channel an erasure was asked (the `via` of its `erased` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasedVia {
    /// The subject, on the manage page.
    ManageLink,
    /// An admin of the staff console, answering a request received otherwise (the account is named in the
    /// audit log, not in the chain).
    Staff,
}

impl ErasedVia {
    /// The value in the event.
    pub fn as_str(self) -> &'static str {
        match self {
            ErasedVia::ManageLink => "manage_link",
            ErasedVia::Staff => "staff",
        }
    }
}

/// Everything held about a subject, for the manage page and the art. 20 download.
#[derive(Debug, Clone)]
pub struct SubjectFile {
    /// The subject.
    pub subject: SubjectRow,
    /// Their records, oldest first.
    pub records: Vec<RecordRow>,
    /// Current answer per purpose.
    pub consents: Vec<ConsentRow>,
    /// The signed submissions still held.
    pub data: Vec<RecordData>,
    /// Their ledger events, in chain order (only theirs).
    pub events: Vec<StoredEvent>,
}

/// Retention periods, per site and purpose, in ms.
pub type RetentionTable = BTreeMap<String, BTreeMap<String, RetentionRule>>;

/// How long one purpose keeps data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionRule {
    /// The period, ms.
    pub period_ms: i64,
    /// Whether it runs from the consent (`true`) or from the last activity (`false`).
    pub from_consent: bool,
}

/// What a purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Pending records expired.
    pub expired_pending: u64,
    /// Consents ended by their retention period.
    pub expired_consents: u64,
    /// Subjects anonymised.
    pub anonymised: u64,
    /// Challenge nonces forgotten.
    pub nonces_pruned: u64,
}

/// The ledger over one store.
pub struct Ledger {
    store: Box<dyn Store>,
    head: Option<(u64, String)>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ledger(head {:?})", self.head.as_ref().map(|h| h.0))
    }
}

fn refused(kind: ProblemType) -> LedgerError {
    LedgerError::Refused(kind)
}

fn choices_value(choices: &BTreeMap<String, bool>) -> Value {
    Value::Object(choices.iter().map(|(k, v)| (k.clone(), Value::Bool(*v))).collect())
}

impl Ledger {
    /// Opens the ledger over a store and reads its head.
    pub fn open(mut store: Box<dyn Store>) -> Result<Ledger, StoreError> {
        let head = store.head()?;
        Ok(Ledger { store, head })
    }

    /// The store, for reads and for the writer's transaction control.
    pub fn store(&mut self) -> &mut dyn Store {
        self.store.as_mut()
    }

    /// Re-reads the head after a rollback.
    pub fn reload_head(&mut self) -> Result<(), StoreError> {
        self.head = self.store.head()?;
        Ok(())
    }

    /// Starts a write transaction and re-reads the head inside it: the store's `begin` takes the write lock, so
    /// no other process (a staff command, another `serve`) can append between this read and our `COMMIT`.
    pub fn begin(&mut self) -> Result<(), StoreError> {
        self.begin_reading(|_| {})
    }

    /// [`Ledger::begin`], running `ahead` between `BEGIN` and the head's read: the writer asks there for what its
    /// batch will read, the head with it, in one round trip on PostgreSQL.
    pub fn begin_reading(&mut self, ahead: impl FnOnce(&mut Ledger)) -> Result<(), StoreError> {
        self.store.begin()?;
        ahead(self);
        if let Err(e) = self.reload_head() {
            let _ = self.store.rollback();
            return Err(e);
        }
        Ok(())
    }

    /// Runs `f` in one transaction (for staff commands, which do not go through the writer).
    pub fn transaction<T>(&mut self, f: impl FnOnce(&mut Ledger) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        self.begin()?;
        match f(self) {
            Ok(value) => {
                self.store.commit()?;
                Ok(value)
            }
            Err(e) => {
                self.store.rollback()?;
                self.reload_head()?;
                Err(e)
            }
        }
    }

    fn append(&mut self, mut event: Event, at_ms: i64) -> Result<Appended, LedgerError> {
        let (seq, prev_hash) = match &self.head {
            Some((seq, hash)) => (seq + 1, hash.clone()),
            None => (1, GENESIS_HASH.to_owned()),
        };
        event.seq = seq;
        event.prev_hash = prev_hash.clone();
        let stored = StoredEvent::seal(&event)?;
        self.store.append_event(&stored)?;
        self.head = Some((seq, stored.hash));
        Ok(Appended { seq, prev_hash, at_ms })
    }

    fn event(kind: EventKind, at_ms: i64, site: &str, subject_id: &str, record_id: Option<&str>) -> Event {
        Event {
            seq: 0,
            prev_hash: String::new(),
            kind,
            at: rfc3339(at_ms),
            site: site.to_owned(),
            subject_id: subject_id.to_owned(),
            record_id: record_id.map(str::to_owned),
            payload_sha256: None,
            data_sha256: None,
            detail: BTreeMap::new(),
        }
    }

    fn touch(&mut self, subject: &mut SubjectRow, now: i64) -> Result<(), StoreError> {
        subject.last_activity_at = subject.last_activity_at.max(now);
        self.store.put_subject(subject)
    }

    /// Records a verified submission (pending) and queues its confirmation email.
    pub fn submit(&mut self, s: NewSubmission, now: i64) -> Result<Appended, LedgerError> {
        if !self.store.use_nonce(&s.nonce, s.nonce_exp_ms)? {
            return Err(refused(ProblemType::ChallengeReused));
        }
        let mut subject = match self.store.subject_by_email(&s.site, &s.email)? {
            Some(subject) => subject,
            None => SubjectRow {
                subject_id: s.new_subject_id.clone(),
                site: s.site.clone(),
                email: Some(s.email.clone()),
                created_at: now,
                last_activity_at: now,
                anonymised_at: None,
            },
        };
        self.touch(&mut subject, now)?;
        self.store.insert_record(&RecordRow {
            record_id: s.record_id.clone(),
            subject_id: subject.subject_id.clone(),
            site: s.site.clone(),
            cta: s.cta.clone(),
            status: RecordStatus::Pending,
            choices: s.choices.clone(),
            notice_version: s.notice_version.clone(),
            locale: s.locale,
            device: Some(s.device.clone()),
            created_at: now,
            updated_at: now,
            confirmed_at: None,
        })?;
        let data_sha256 = sha256_hex(s.data.as_bytes());
        self.store.insert_record_data(&RecordData {
            record_id: s.record_id.clone(),
            subject_id: subject.subject_id.clone(),
            data: s.data,
        })?;
        let mut event = Self::event(EventKind::Submitted, now, &s.site, &subject.subject_id, Some(&s.record_id));
        event.payload_sha256 = Some(s.payload_sha256);
        event.data_sha256 = Some(data_sha256);
        event.detail.insert("cta".into(), json!(s.cta));
        event.detail.insert("notice_version".into(), json!(s.notice_version));
        event.detail.insert("choices".into(), choices_value(&s.choices));
        event.detail.insert("locale".into(), json!(s.locale.tag()));
        let appended = self.append(event, now)?;
        if let Some(mail) = &s.mail {
            self.store.enqueue_mail(mail, now)?;
        }
        Ok(appended)
    }

    /// Confirms a pending record (the email link): its choices become the subject's answers for those purposes.
    /// Confirming twice is not an error and adds nothing.
    pub fn confirm(&mut self, record_id: &str, now: i64) -> Result<RecordRow, LedgerError> {
        let mut record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        match record.status {
            RecordStatus::Pending => {}
            RecordStatus::Confirmed => return Ok(record),
            _ => return Err(refused(ProblemType::InvalidLink)),
        }
        let mut subject = self.store.subject(&record.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        record.status = RecordStatus::Confirmed;
        record.confirmed_at = Some(now);
        record.updated_at = now;
        self.store.put_record(&record)?;
        // The later expression of will wins, per purpose: an answer stands against this record if it was given
        // after this record was submitted (a later submission confirmed first, or a change). An answer's time is
        // its record's submission time, or the time of the change that set it.
        let existing = self.store.consents_of(&record.subject_id)?;
        for (purpose, granted) in &record.choices {
            if existing.iter().any(|c| c.purpose == *purpose && c.updated_at > record.created_at) {
                continue;
            }
            self.store.put_consent(&ConsentRow {
                subject_id: record.subject_id.clone(),
                purpose: purpose.clone(),
                granted: *granted,
                record_id: record.record_id.clone(),
                updated_at: record.created_at,
            })?;
        }
        self.touch(&mut subject, now)?;
        let mut event = Self::event(EventKind::Confirmed, now, &record.site, &record.subject_id, Some(record_id));
        event.detail.insert("choices".into(), choices_value(&record.choices));
        self.append(event, now)?;
        Ok(record)
    }

    fn check_device(&mut self, record: &RecordRow, actor: &Actor) -> Result<(), LedgerError> {
        if let Actor::Device { device, nonce, nonce_exp_ms, .. } = actor {
            if record.device.as_deref() != Some(device.as_str()) {
                return Err(refused(ProblemType::DeviceMismatch));
            }
            if !self.store.use_nonce(nonce, *nonce_exp_ms)? {
                return Err(refused(ProblemType::ChallengeReused));
            }
        }
        Ok(())
    }

    /// Changes or withdraws, by the device key on one record or by the manage link on the whole subject.
    pub fn act(
        &mut self,
        record_id: &str,
        actor: &Actor,
        request: &Request,
        now: i64,
    ) -> Result<RecordRow, LedgerError> {
        let mut record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        self.check_device(&record, actor)?;
        if matches!(record.status, RecordStatus::Erased | RecordStatus::Expired) {
            return Err(refused(ProblemType::UnknownRecord));
        }
        let mut subject = self.store.subject(&record.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let (kind, changes) = match request {
            Request::Change { choices, .. } => {
                if let Actor::Device { .. } = actor {
                    // The device replaces the record's choices: every purpose of the record, nothing else.
                    if let Some(unknown) = choices.keys().find(|k| !record.choices.contains_key(*k)) {
                        let _ = unknown;
                        return Err(refused(ProblemType::UnknownPurpose));
                    }
                    if record.choices.keys().any(|k| !choices.contains_key(k)) {
                        return Err(refused(ProblemType::MissingChoice));
                    }
                }
                (EventKind::Changed, choices.clone())
            }
            Request::Withdraw => {
                let purposes: Vec<String> = match actor {
                    Actor::Device { .. } => record.choices.keys().cloned().collect(),
                    Actor::ManageLink => {
                        let mut all: Vec<String> =
                            self.store.consents_of(&subject.subject_id)?.into_iter().map(|c| c.purpose).collect();
                        all.extend(record.choices.keys().cloned());
                        all.sort();
                        all.dedup();
                        all
                    }
                };
                (EventKind::Withdrawn, purposes.into_iter().map(|p| (p, false)).collect())
            }
        };
        // The record's own choices follow; the subject's answers follow only once the record is confirmed (a
        // pending record's choices take effect at confirmation). The manage link acts on confirmed answers.
        for (purpose, granted) in &changes {
            if record.choices.contains_key(purpose) {
                record.choices.insert(purpose.clone(), *granted);
            }
        }
        // The manage link acts on the subject's answers once any of their records was confirmed.
        let applies_now = match actor {
            Actor::Device { .. } => record.confirmed_at.is_some(),
            Actor::ManageLink => {
                self.store.records_of_subject(&subject.subject_id)?.iter().any(|r| r.confirmed_at.is_some())
            }
        };
        if applies_now {
            for (purpose, granted) in &changes {
                self.store.put_consent(&ConsentRow {
                    subject_id: subject.subject_id.clone(),
                    purpose: purpose.clone(),
                    granted: *granted,
                    record_id: record.record_id.clone(),
                    updated_at: now,
                })?;
            }
        }
        if kind == EventKind::Withdrawn {
            if *actor == Actor::ManageLink {
                for mut other in self.store.records_of_subject(&subject.subject_id)? {
                    if matches!(other.status, RecordStatus::Pending | RecordStatus::Confirmed) {
                        other.status = RecordStatus::Withdrawn;
                        other.choices.values_mut().for_each(|v| *v = false);
                        other.updated_at = now;
                        self.store.put_record(&other)?;
                    }
                }
            }
            record.status = RecordStatus::Withdrawn;
        } else if record.status == RecordStatus::Withdrawn && changes.values().any(|&g| g) {
            record.status = if record.confirmed_at.is_some() { RecordStatus::Confirmed } else { RecordStatus::Pending };
        }
        record.updated_at = now;
        self.store.put_record(&record)?;
        self.touch(&mut subject, now)?;
        let mut event = Self::event(kind, now, &record.site, &record.subject_id, Some(record_id));
        event.detail.insert("choices".into(), choices_value(&changes));
        event.detail.insert("via".into(), json!(if *actor == Actor::ManageLink { "manage_link" } else { "device" }));
        if let Actor::Device { payload_sha256, .. } = actor {
            event.payload_sha256 = Some(payload_sha256.clone());
        }
        if let Request::Change { notice_version: Some(version), .. } = request {
            event.detail.insert("notice_version".into(), json!(version));
        }
        self.append(event, now)?;
        if kind == EventKind::Withdrawn && !self.holds_anything_wanted(&subject.subject_id)? {
            // Withdrawn from every purpose, nothing pending: only the hashes in the chain remain.
            self.remove_personal_data(&mut subject, RecordStatus::Withdrawn, now)?;
            record = self.store.record(record_id)?.unwrap_or(record);
        }
        Ok(record)
    }

    /// Whether the subject still has a given consent or a pending record.
    fn holds_anything_wanted(&mut self, subject_id: &str) -> Result<bool, StoreError> {
        let granted = self.store.consents_of(subject_id)?.iter().any(|c| c.granted);
        let pending = self.store.records_of_subject(subject_id)?.iter().any(|r| r.status == RecordStatus::Pending);
        Ok(granted || pending)
    }

    /// Deletes the subject's personal data (email, signed submissions, device links, answers, queued emails).
    /// Records that were still live take `status`. Unless this is an erasure, the subject's place in the
    /// statistics is kept first as counts only ([`Ledger::keep_aggregates`]).
    fn remove_personal_data(
        &mut self,
        subject: &mut SubjectRow,
        status: RecordStatus,
        now: i64,
    ) -> Result<(), StoreError> {
        match status {
            RecordStatus::Withdrawn => self.keep_aggregates(subject, "withdrawn")?,
            RecordStatus::Expired => self.keep_aggregates(subject, "retention")?,
            // Erasure (art. 17) takes the subject out of everything, counts included; pending and confirmed
            // are never the outcome of a removal.
            RecordStatus::Erased | RecordStatus::Pending | RecordStatus::Confirmed | RecordStatus::Imported => {}
        }
        for mut record in self.store.records_of_subject(&subject.subject_id)? {
            self.store.delete_record_data(&record.record_id)?;
            self.store.delete_mail_of_record(&record.record_id)?;
            record.device = None;
            if matches!(record.status, RecordStatus::Pending | RecordStatus::Confirmed | RecordStatus::Imported)
                || status == RecordStatus::Erased
            {
                record.status = status;
            }
            record.updated_at = now;
            self.store.put_record(&record)?;
        }
        self.store.delete_consents(&subject.subject_id)?;
        subject.email = None;
        subject.anonymised_at = Some(now);
        self.store.put_subject(subject)
    }

    /// Adds a subject about to be anonymised to the aggregates: once per value they count under in `stats`
    /// (every purpose they ever gave, their promo, programme, CTA and page), and under `ended` = `ended`. A
    /// subject who never gave anything (an unconfirmed record) counts nowhere.
    fn keep_aggregates(&mut self, subject: &SubjectRow, ended: &str) -> Result<(), StoreError> {
        let given = self.store.ever_granted(&subject.subject_id)?;
        if given.is_empty() {
            return Ok(());
        }
        let mut cells = std::collections::BTreeSet::new();
        for consent in &given {
            // Counted under their promo and programme as corrected (art. 16), if they were.
            let data = self.store.record_data(&consent.record_id)?;
            let record = self.store.record(&consent.record_id)?;
            match data.zip(record).and_then(|(d, r)| held_form(&d.data, &r)) {
                Some(f) => {
                    cells.extend(crate::dimensions::form_dimensions(&consent.purpose, &f.subject, &f.cta, &f.page_url))
                }
                None => cells.extend(crate::dimensions::dimensions(&consent.purpose, None)),
            }
        }
        cells.insert(("ended", ended.to_owned()));
        for (dimension, value) in &cells {
            self.store.add_aggregate(&subject.site, dimension, value, 1)?;
        }
        Ok(())
    }

    /// Erases everything held about the subject of `record_id` (art. 17) at their request through the manage
    /// link; an `erased` event stays.
    pub fn erase(&mut self, record_id: &str, now: i64) -> Result<(), LedgerError> {
        self.erase_via(record_id, now, ErasedVia::ManageLink)
    }

    /// [`Ledger::erase`], saying in the event through which channel it was asked.
    pub fn erase_via(&mut self, record_id: &str, now: i64, via: ErasedVia) -> Result<(), LedgerError> {
        let record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let mut subject = self.store.subject(&record.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        if subject.anonymised_at.is_some() {
            return Ok(());
        }
        self.remove_personal_data(&mut subject, RecordStatus::Erased, now)?;
        let mut event = Self::event(EventKind::Erased, now, &record.site, &subject.subject_id, Some(record_id));
        event.detail.insert("via".into(), json!(via.as_str()));
        self.append(event, now)?;
        Ok(())
    }

    /// Expires pending records older than `confirm_within_ms` and ends consents past their retention.
    pub fn purge(
        &mut self,
        now: i64,
        confirm_within_ms: &BTreeMap<String, i64>,
        retention: &RetentionTable,
    ) -> Result<PurgeReport, LedgerError> {
        let mut report = PurgeReport { nonces_pruned: self.store.prune_nonces(now)? as u64, ..PurgeReport::default() };
        let shortest_confirm = confirm_within_ms.values().copied().min().unwrap_or(7 * crate::clock::DAY_MS);
        for mut record in self.store.pending_before(now - shortest_confirm)? {
            let limit = confirm_within_ms.get(&record.site).copied().unwrap_or(shortest_confirm);
            if record.created_at >= now - limit {
                continue;
            }
            record.status = RecordStatus::Expired;
            record.device = None;
            record.updated_at = now;
            self.store.put_record(&record)?;
            self.store.delete_record_data(&record.record_id)?;
            let mut event =
                Self::event(EventKind::Expired, now, &record.site, &record.subject_id, Some(&record.record_id));
            event.detail.insert("reason".into(), json!("unconfirmed"));
            self.append(event, now)?;
            report.expired_pending += 1;
            if let Some(mut subject) = self.store.subject(&record.subject_id)?
                && subject.anonymised_at.is_none()
                && !self.holds_any_record_data(&subject.subject_id)?
            {
                self.remove_personal_data(&mut subject, RecordStatus::Expired, now)?;
                report.anonymised += 1;
            }
        }
        let shortest_retention = retention
            .values()
            .flat_map(|p| p.values())
            .map(|r| r.period_ms)
            .min()
            .unwrap_or(730 * crate::clock::DAY_MS);
        for mut subject in self.store.subjects_inactive_since(now - shortest_retention)? {
            let Some(rules) = retention.get(&subject.site) else { continue };
            let consents = self.store.consents_of(&subject.subject_id)?;
            let mut ended = Vec::new();
            for consent in consents.iter().filter(|c| c.granted) {
                let Some(rule) = rules.get(&consent.purpose) else { continue };
                let start = if rule.from_consent { consent.updated_at } else { subject.last_activity_at };
                if start + rule.period_ms < now {
                    ended.push(consent.clone());
                }
            }
            for consent in &ended {
                self.store.put_consent(&ConsentRow { granted: false, updated_at: now, ..consent.clone() })?;
            }
            let longest = rules.values().map(|r| r.period_ms).max().unwrap_or(shortest_retention);
            let still_wanted = self.holds_anything_wanted(&subject.subject_id)?;
            let anonymise = !still_wanted && (!ended.is_empty() || subject.last_activity_at + longest < now);
            if ended.is_empty() && !anonymise {
                continue;
            }
            let record_id = self.store.records_of_subject(&subject.subject_id)?.last().map(|r| r.record_id.clone());
            if anonymise {
                self.remove_personal_data(&mut subject, RecordStatus::Expired, now)?;
                report.anonymised += 1;
            }
            let mut event =
                Self::event(EventKind::Expired, now, &subject.site, &subject.subject_id, record_id.as_deref());
            event.detail.insert("reason".into(), json!("retention"));
            event.detail.insert(
                "purposes".into(),
                Value::Array(ended.iter().map(|c| Value::String(c.purpose.clone())).collect()),
            );
            event.detail.insert("anonymised".into(), json!(anonymise));
            self.append(event, now)?;
            report.expired_consents += ended.len() as u64;
        }
        Ok(report)
    }

    fn holds_any_record_data(&mut self, subject_id: &str) -> Result<bool, StoreError> {
        for record in self.store.records_of_subject(subject_id)? {
            if self.store.record_data(&record.record_id)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The record a device asks about: `record_id`, or its latest on the site.
    pub fn device_record(
        &mut self,
        site: &str,
        record_id: Option<&str>,
        device: &str,
    ) -> Result<RecordRow, LedgerError> {
        let record = match record_id {
            Some(id) => self.store.record(id)?,
            None => self.store.latest_record_of_device(site, device)?,
        };
        let record = record.filter(|r| r.site == site).ok_or(refused(ProblemType::UnknownRecord))?;
        if record.device.as_deref() != Some(device) {
            return Err(refused(ProblemType::DeviceMismatch));
        }
        Ok(record)
    }

    /// Everything held about the subject of a record.
    pub fn subject_file(&mut self, record_id: &str) -> Result<SubjectFile, LedgerError> {
        let record = self.store.record(record_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let subject = self.store.subject(&record.subject_id)?.ok_or(refused(ProblemType::UnknownRecord))?;
        let records = self.store.records_of_subject(&subject.subject_id)?;
        let consents = self.store.consents_of(&subject.subject_id)?;
        let mut data = Vec::new();
        for r in &records {
            if let Some(d) = self.store.record_data(&r.record_id)? {
                data.push(d);
            }
        }
        let events = self.store.events_of_subject(&subject.subject_id)?;
        Ok(SubjectFile { subject, records, consents, data, events })
    }

    /// The latest record of the subject holding `email` on `site`, if their data are held.
    pub fn latest_record_of_email(&mut self, site: &str, email: &str) -> Result<Option<RecordRow>, LedgerError> {
        let Some(subject) = self.store.subject_by_email(site, email)? else { return Ok(None) };
        Ok(self.store.records_of_subject(&subject.subject_id)?.pop())
    }

    /// Queues an email outside any other operation (manage-link requests).
    pub fn enqueue_mail(&mut self, mail: &NewMail, now: i64) -> Result<(), LedgerError> {
        Ok(self.store.enqueue_mail(mail, now)?)
    }
}
