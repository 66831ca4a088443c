//! The proof bundle: everything a DPO hands an auditor (the CNIL) to demonstrate one subject's consent under GDPR
//! art. 7(1), in one ZIP that anyone can check offline with `collector proof verify FILE`.
//!
//! The bundle holds the signed submissions exactly as received (their device signatures still verify), the full
//! text of every notice version they were shown (which hashes to the version the submission names), the
//! subject's ledger events with their hashes and the link from each to the event that follows it in the chain,
//! the result of the chain check from genesis to head, the receipts (re-issued from the ledger: Ed25519 is
//! deterministic, so they are byte for byte the ones the browser got), the data held, a readable `index.html`,
//! and a README. A `manifest.json` lists the SHA-256 of every file and `manifest.sig` is the collector's
//! signature over it: change one byte anywhere and verification fails.

mod bundle;
mod chain;
mod check;
mod page;
mod readme;

pub use bundle::build;
pub use chain::{ChainWalk, Checkpoint};
pub use check::{ProofReport, verify};

use crate::ledger::{Ledger, LedgerError, StoredEvent, SubjectFile};
use crate::storage::StoreError;

/// The format name written in every manifest; a verifier refuses any other.
pub const FORMAT: &str = "alumni-consent-proof/1";

/// The result of the chain check made when the bundle was built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainCheck {
    /// The chain's last event when checked.
    pub head_seq: u64,
    /// Its hash.
    pub head_hash: String,
    /// Events recomputed for this bundle (from the checkpoint below, or from genesis without one).
    pub events_checked: u64,
    /// The last full check this one continues, if any: events up to it were verified then, from genesis.
    pub checkpoint: Option<Checkpoint>,
    /// When, RFC 3339.
    pub checked_at: String,
}

/// Everything the bundle is built from, read from the ledger's database.
#[derive(Debug, Clone)]
pub struct ProofInput {
    /// The subject's records, answers, signed submissions and events.
    pub file: SubjectFile,
    /// The canonical text of each notice version the subject was shown, by version.
    pub notices: Vec<(String, String)>,
    /// For each of the subject's events that is not the head, the event right after it in the chain.
    pub successors: Vec<StoredEvent>,
    /// The chain check.
    pub chain: ChainCheck,
    /// When the bundle is made, Unix ms.
    pub generated_at: i64,
}

/// Why a bundle could not be built or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The ZIP container is damaged (a changed byte breaks its CRC) or not a ZIP.
    #[error("archive ZIP illisible / unreadable ZIP archive: {0}")]
    Zip(String),
    /// A file is missing, extra, or does not match the manifest.
    #[error("{0}")]
    Manifest(String),
    /// The collector's signature over the manifest does not verify.
    #[error("signature du collecteur invalide / the collector's signature does not verify: {0}")]
    Signature(String),
    /// A proof inside the bundle does not hold.
    #[error("{0}")]
    Broken(String),
    /// Canonical JSON failed (building).
    #[error(transparent)]
    Canonical(#[from] consent::canonical::CanonicalError),
    /// The database failed (building).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The ledger refused (building).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Notice texts by version, and successor events.
pub type Gathered = (Vec<(String, String)>, Vec<StoredEvent>);

/// What the bundle needs from the ledger beside the subject's file: the text of every notice version their
/// records and events name (a change made on the manage page names the notice it was shown under), and the
/// event right after each of their events that is not itself one of theirs.
pub fn gather(ledger: &mut Ledger, file: &SubjectFile) -> Result<Gathered, LedgerError> {
    let events: Vec<crate::ledger::Event> =
        file.events.iter().filter_map(|e| serde_json::from_str(&e.body).ok()).collect();
    let mut versions: Vec<&str> = file.records.iter().map(|r| r.notice_version.as_str()).collect();
    versions.extend(events.iter().filter_map(crate::ledger::Event::notice_version));
    versions.sort_unstable();
    versions.dedup();
    let mut notices = Vec::new();
    for version in versions {
        if let Some(text) = ledger.store().notice(version)? {
            notices.push((version.to_owned(), text));
        }
    }
    let mut successors = Vec::new();
    for event in &file.events {
        if !file.events.iter().any(|e| e.seq == event.seq + 1) {
            successors.extend(ledger.store().events_after(event.seq, 1)?);
        }
    }
    Ok((notices, successors))
}

/// A failed check, worded in French then English.
fn broken(fr: &str, en: &str) -> ProofError {
    ProofError::Broken(format!("{fr} / {en}"))
}
