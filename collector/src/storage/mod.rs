//! The one storage interface the ledger and the handlers use, whatever the database.
//!
//! [`Store`] is written for a single writer that groups many operations into one transaction (see
//! [`crate::writer`]): `begin`, any number of operations each inside a savepoint, `commit`. Only this module's
//! implementations know SQL: [`sqlite`] is the embedded default (one file in the data folder), [`postgres`] the
//! server chosen by `--database postgres://…`; each has its own migrations folder, and nothing above this module
//! depends on which one runs.

pub mod postgres;
pub mod sqlite;

use consent::Locale;
use consent::protocol::SubmissionPayload;
use std::collections::BTreeMap;

/// A ledger event as stored: its canonical body and its hash (the ledger seals [`crate::ledger::Event`]s into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Sequence number (the storage key).
    pub seq: u64,
    /// SHA-256 of `body`.
    pub hash: String,
    /// The canonical JSON of the ledger event.
    pub body: String,
}

/// A storage failure: the batch that met it is rolled back and every caller in it gets `internal`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused.
    #[error("database: {0}")]
    Database(String),
    /// A stored value could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// PostgreSQL refused or could not be reached: SQLSTATE and constraint shown, the values it quotes not.
    /// Transparent: with `#[from]` the failure is also this error's source, and a chain printer (anyhow's `{:#}`)
    /// would say it twice.
    #[error(transparent)]
    Postgres(#[from] self::postgres::PgFailure),
}

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordStatus {
    /// Waiting for the email confirmation.
    Pending,
    /// Confirmed by the subject.
    Confirmed,
    /// Every purpose withdrawn.
    Withdrawn,
    /// Not confirmed in time, or anonymised at the end of retention.
    Expired,
    /// Erased on the subject's request.
    Erased,
    /// Brought in from a school's list (`collector import`): held under soft opt-in, no consent given.
    Imported,
}

impl RecordStatus {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Pending => "pending",
            RecordStatus::Confirmed => "confirmed",
            RecordStatus::Withdrawn => "withdrawn",
            RecordStatus::Expired => "expired",
            RecordStatus::Erased => "erased",
            RecordStatus::Imported => "imported",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<RecordStatus> {
        Some(match text {
            "pending" => RecordStatus::Pending,
            "confirmed" => RecordStatus::Confirmed,
            "withdrawn" => RecordStatus::Withdrawn,
            "expired" => RecordStatus::Expired,
            "erased" => RecordStatus::Erased,
            "imported" => RecordStatus::Imported,
            _ => return None,
        })
    }
}

/// A subject: one person on one site, found by email while their data are held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRow {
    /// Random id, the only link between the chain and the person.
    pub subject_id: String,
    /// The site.
    pub site: String,
    /// Normalised email; `None` once erased or anonymised.
    pub email: Option<String>,
    /// First submission, Unix ms.
    pub created_at: i64,
    /// Last submission, confirmation or change, Unix ms (retention runs from it).
    pub last_activity_at: i64,
    /// When the personal data were removed, if they were.
    pub anonymised_at: Option<i64>,
}

/// The current state of one consent record (a projection of the ledger, not part of the proof).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// Record id.
    pub record_id: String,
    /// Its subject.
    pub subject_id: String,
    /// The site.
    pub site: String,
    /// The CTA used.
    pub cta: String,
    /// Where it stands.
    pub status: RecordStatus,
    /// Current choice per purpose of the CTA.
    pub choices: BTreeMap<String, bool>,
    /// Notice version shown.
    pub notice_version: String,
    /// Locale of the form (and of the emails).
    pub locale: Locale,
    /// The device key's JWK thumbprint; `None` once the data are removed.
    pub device: Option<String>,
    /// When it was submitted, Unix ms.
    pub created_at: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
    /// Confirmation, Unix ms.
    pub confirmed_at: Option<i64>,
}

/// The subject's current answer for one purpose (set when a record is confirmed, then by changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    /// Subject.
    pub subject_id: String,
    /// Purpose id.
    pub purpose: String,
    /// Given or not.
    pub granted: bool,
    /// The record whose confirmation or change set it.
    pub record_id: String,
    /// When, Unix ms.
    pub updated_at: i64,
}

/// Personal data kept beside the chain: the signed submission (`{"payload":…,"signature":…}`, canonical).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordData {
    /// Record id.
    pub record_id: String,
    /// Subject id.
    pub subject_id: String,
    /// Canonical JSON whose SHA-256 is the `submitted` event's `data_sha256`.
    pub data: String,
}

#[derive(serde::Deserialize)]
struct StoredSubmission {
    payload: String,
}

/// The signed submission inside a record's stored data (`{"payload": "<text>", "signature": …}`).
pub fn submission_of(data: &str) -> Option<SubmissionPayload> {
    let stored = serde_json::from_str::<StoredSubmission>(data).ok()?;
    serde_json::from_str::<SubmissionPayload>(&stored.payload).ok()
}

/// One cell of the aggregates kept after anonymisation: how many anonymised subjects counted under `value` of
/// `dimension` (the dimensions of `stats`, plus `ended`: `retention` or `withdrawn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggregateRow {
    /// `purpose`, `promo`, `programme`, `cta`, `page` or `ended`.
    pub dimension: String,
    /// The value counted under.
    pub value: String,
    /// How many anonymised subjects.
    pub subjects: u64,
}

/// An email to send: who to, and what (a [`crate::mail::MailJob`] as JSON). The message itself is composed
/// when it is sent, from the record's data: the queue holds no copy of them, and erased data are never mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Recipient address.
    pub to: String,
    /// The mail job, JSON.
    pub job: String,
}

/// An email in the durable queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// Queue id.
    pub id: i64,
    /// Recipient.
    pub to: String,
    /// The mail job, JSON.
    pub job: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// Everything the collector stores. One implementation per database.
pub trait Store: Send {
    /// Starts the batch transaction, holding the database's write lock until `commit` or `rollback`: another
    /// process appending (a staff command, a second `serve`) waits, so the head read next stays the head.
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Commits it durably (the fsync that a whole batch shares).
    fn commit(&mut self) -> Result<(), StoreError>;
    /// Abandons it.
    fn rollback(&mut self) -> Result<(), StoreError>;
    /// Starts a read-only transaction whose reads all see one snapshot (ended by `rollback`): a check that reads
    /// the chain, then the data, sees no commit that happened in between.
    fn begin_snapshot(&mut self) -> Result<(), StoreError>;
    /// Says that the next transaction writes many rows at once (`collector import`, in a process of its own):
    /// SQLite lets this connection's page cache grow so that the transaction's pages are neither spilled to the
    /// WAL nor read back from it; PostgreSQL needs nothing.
    fn expect_bulk_write(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Opens a savepoint for one operation of the batch.
    fn savepoint(&mut self) -> Result<(), StoreError>;
    /// Keeps the operation's writes.
    fn release(&mut self) -> Result<(), StoreError>;
    /// Undoes the operation's writes, keeping the rest of the batch.
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError>;

    /// The last event's sequence number and hash.
    fn head(&mut self) -> Result<Option<(u64, String)>, StoreError>;
    /// Appends a sealed event.
    fn append_event(&mut self, event: &StoredEvent) -> Result<(), StoreError>;
    /// Up to `limit` events after `after_seq`, in order.
    fn events_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError>;

    /// Keeps a site's configuration text so that staff commands need only the data folder.
    fn put_site(&mut self, site: &str, config_toml: &str, at: i64) -> Result<(), StoreError>;
    /// Every site's configuration text.
    fn sites(&mut self) -> Result<Vec<(String, String)>, StoreError>;
    /// Stores a notice version's canonical text once.
    fn put_notice(&mut self, version: &str, canonical: &str, at: i64) -> Result<(), StoreError>;
    /// A notice version's canonical text.
    fn notice(&mut self, version: &str) -> Result<Option<String>, StoreError>;

    /// Marks a challenge nonce used; `false` if it already was.
    fn use_nonce(&mut self, nonce: &str, exp_ms: i64) -> Result<bool, StoreError>;
    /// Forgets nonces whose token has expired anyway.
    fn prune_nonces(&mut self, now_ms: i64) -> Result<usize, StoreError>;

    /// The subject holding this email on this site.
    fn subject_by_email(&mut self, site: &str, email: &str) -> Result<Option<SubjectRow>, StoreError>;
    /// A subject by id.
    fn subject(&mut self, subject_id: &str) -> Result<Option<SubjectRow>, StoreError>;
    /// Inserts or replaces a subject.
    fn put_subject(&mut self, subject: &SubjectRow) -> Result<(), StoreError>;
    /// Subjects whose data are still held and whose last activity is before `before_ms`.
    fn subjects_inactive_since(&mut self, before_ms: i64) -> Result<Vec<SubjectRow>, StoreError>;

    /// Inserts or replaces a record.
    fn put_record(&mut self, record: &RecordRow) -> Result<(), StoreError>;
    /// Writes a record under a fresh id (a new submission's, [`crate::keys::sortable_id`]), which no stored
    /// record has: a backend may skip the upsert's conflict check, and refuses the batch if the id is taken.
    fn insert_record(&mut self, record: &RecordRow) -> Result<(), StoreError> {
        self.put_record(record)
    }
    /// A record by id.
    fn record(&mut self, record_id: &str) -> Result<Option<RecordRow>, StoreError>;
    /// A subject's records, oldest first.
    fn records_of_subject(&mut self, subject_id: &str) -> Result<Vec<RecordRow>, StoreError>;
    /// The latest record made with this device key on this site.
    fn latest_record_of_device(&mut self, site: &str, device: &str) -> Result<Option<RecordRow>, StoreError>;
    /// Pending records submitted before `before_ms`.
    fn pending_before(&mut self, before_ms: i64) -> Result<Vec<RecordRow>, StoreError>;

    /// Stores the personal data of a record.
    fn put_record_data(&mut self, data: &RecordData) -> Result<(), StoreError>;
    /// Stores the personal data of a record just written with [`Store::insert_record`] (the same promise).
    fn insert_record_data(&mut self, data: &RecordData) -> Result<(), StoreError> {
        self.put_record_data(data)
    }
    /// The personal data of a record, if still held.
    fn record_data(&mut self, record_id: &str) -> Result<Option<RecordData>, StoreError>;
    /// Deletes the personal data of a record.
    fn delete_record_data(&mut self, record_id: &str) -> Result<(), StoreError>;
    /// Every record's personal data, for `verify` (in record id order).
    fn all_record_data(&mut self) -> Result<Vec<RecordData>, StoreError>;

    /// Sets a subject's answer for one purpose.
    fn put_consent(&mut self, consent: &ConsentRow) -> Result<(), StoreError>;
    /// A subject's answers.
    fn consents_of(&mut self, subject_id: &str) -> Result<Vec<ConsentRow>, StoreError>;
    /// Forgets a subject's answers (erasure, anonymisation).
    fn delete_consents(&mut self, subject_id: &str) -> Result<(), StoreError>;
    /// Every given consent for a purpose on a site whose subject's data are held.
    fn granted(&mut self, site: &str, purpose: &str) -> Result<Vec<ConsentRow>, StoreError>;
    /// Every given consent on a site whose subject's data are held.
    fn granted_all(&mut self, site: &str) -> Result<Vec<ConsentRow>, StoreError>;
    /// A subject's answers that were "yes" at some time (given now, or ended by retention or withdrawal since).
    fn ever_granted(&mut self, subject_id: &str) -> Result<Vec<ConsentRow>, StoreError>;

    /// Adds `n` subjects to an aggregate cell (created at 0).
    fn add_aggregate(&mut self, site: &str, dimension: &str, value: &str, n: u64) -> Result<(), StoreError>;
    /// A site's aggregates, by dimension then value.
    fn aggregates(&mut self, site: &str) -> Result<Vec<AggregateRow>, StoreError>;

    /// A subject's ledger events, in order (their art. 20 download).
    fn events_of_subject(&mut self, subject_id: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// Queues an email; it survives restarts until sent.
    fn enqueue_mail(&mut self, mail: &NewMail, now_ms: i64) -> Result<(), StoreError>;
    /// Claims up to `limit` emails due at `now_ms` for one sender: they are not due again before `lease_until_ms`
    /// (sent by then, or rescheduled), so that senders in several collectors on one database never take the same
    /// email, and one that dies mid-send leaves its emails to the others when the lease ends.
    fn claim_mail(&mut self, now_ms: i64, limit: usize, lease_until_ms: i64) -> Result<Vec<QueuedMail>, StoreError>;
    /// Removes a sent email from the queue.
    fn mail_sent(&mut self, id: i64) -> Result<(), StoreError>;
    /// Schedules another attempt.
    fn mail_retry(&mut self, id: i64, attempts: u32, next_attempt_ms: i64) -> Result<(), StoreError>;
    /// Drops the queued emails about a record (its subject's data are being removed: the address goes too).
    fn delete_mail_of_record(&mut self, record_id: &str) -> Result<(), StoreError>;
    /// How many emails wait.
    fn mail_queue_len(&mut self) -> Result<u64, StoreError>;

    /// This store itself, for the features whose SQL lives in files of their own (campaigns, objections,
    /// undeliverable addresses: `{sqlite,postgres}/campaign.rs`), run on its connection, inside its transaction.
    fn backend(&mut self) -> Backend<'_>;
}

/// A store as what it is (see [`Store::backend`]).
pub enum Backend<'a> {
    /// The SQLite file.
    Sqlite(&'a mut sqlite::SqliteStore),
    /// The PostgreSQL database.
    Postgres(&'a mut postgres::PostgresStore),
}
