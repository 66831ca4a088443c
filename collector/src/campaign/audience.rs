//! Who a campaign may write to, and what the regime forbids.
//!
//! `soft_opt_in`: the people a school imported from its graduates list (`collector import`), whose data are
//! held, who have not objected and whose address has not bounced for good. Only a school (or an association the
//! school funds, whose controller the school stays) may: an autonomous association may not write to anyone to
//! ask for consent — refused with the law's explanation, as `site-kit check` and `collector import` give it.
//! `legacy`: the people whose consent from before (`import --legacy-consent`) is still to reconfirm; any regime,
//! as they consented.

use super::store::{self, RecipientRow, email_key};
use crate::import::legacy::legacy_consents;
use crate::ledger::import::ImportedData;
use crate::ledger::{Event, EventKind, Ledger, LedgerError, held_fields};
use crate::sites::Site;
use crate::storage::{RecordStatus, Store, StoreError};
use consent::{LegalBasis, Regime};
use std::collections::{BTreeMap, HashSet};

/// Who a campaign writes to, which is also the basis its messages rest on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The graduates the school imported, under its soft opt-in purposes.
    SoftOptIn,
    /// The people whose consent from before is to reconfirm.
    Legacy,
}

impl Audience {
    /// The stored name, also the objection's basis.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::SoftOptIn => "soft_opt_in",
            Audience::Legacy => "legacy",
        }
    }

    /// Parses `soft-opt-in`, `soft_opt_in` or `legacy`.
    pub fn parse(text: &str) -> Option<Audience> {
        match text {
            "soft-opt-in" | "soft_opt_in" => Some(Audience::SoftOptIn),
            "legacy" => Some(Audience::Legacy),
            _ => None,
        }
    }
}

/// Why a campaign cannot be sent at all (nothing is recorded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The site's regime forbids writing to people who did not consent (an autonomous association).
    #[error(
        "le régime du site (« association ») interdit d'écrire aux anciens qui n'ont pas consenti, même pour leur \
         demander leur consentement : {fr} Une association autonome ne peut écrire qu'à ceux dont le consentement \
         d'avant est à reconfirmer (--audience legacy). — The site's regime (`association`) forbids writing to \
         alumni who did not consent, even to ask for their consent: {en} An autonomous association may write only to \
         those whose consent from before is to reconfirm (--audience legacy)."
    )]
    Regime {
        /// The French explanation (as `site-kit check` gives it).
        fr: &'static str,
        /// The English one.
        en: &'static str,
    },
    /// The site has no soft opt-in purpose: its imported people may be written to under none.
    #[error(
        "le site n'a aucune finalité `basis = \"soft_opt_in\"` : rien n'autorise à écrire sans consentement. {fr} \
         — The site has no `basis = \"soft_opt_in\"` purpose: nothing allows writing without consent. {en}"
    )]
    NoSoftOptIn {
        /// The regime's French explanation.
        fr: &'static str,
        /// The English one.
        en: &'static str,
    },
}

/// The purposes a campaign's messages serve (those of the soft opt-in; for `legacy`, each person's own).
pub fn purposes(site: &Site, audience: Audience) -> Result<Vec<String>, Refusal> {
    let config = &site.config;
    let regime = config.controller().regime;
    match audience {
        Audience::Legacy => Ok(Vec::new()),
        Audience::SoftOptIn => {
            if regime == Regime::Association {
                return Err(Refusal::Regime { fr: regime.explain_fr(), en: regime.explain_en() });
            }
            let purposes: Vec<String> = config
                .purposes()
                .iter()
                .filter(|p| p.basis == LegalBasis::SoftOptIn)
                .map(|p| p.id.to_string())
                .collect();
            if purposes.is_empty() {
                return Err(Refusal::NoSoftOptIn { fr: regime.explain_fr(), en: regime.explain_en() });
            }
            Ok(purposes)
        }
    }
}

/// One person to write to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The subject.
    pub subject_id: String,
    /// The record the message is about (its manage link).
    pub record_id: String,
    /// SHA-256 of the normalised address.
    pub email_sha256: String,
}

/// Who a campaign writes to now, and who it leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// To write to, in the order they were imported.
    pub recipients: Vec<Candidate>,
    /// Left out: they objected to messages of this basis.
    pub objected: u64,
    /// Left out: an SMTP server refused their address for good.
    pub undeliverable: u64,
}

/// The people of `audience` on `site`.
pub fn select(ledger: &mut Ledger, site: &str, audience: Audience) -> Result<Selection, LedgerError> {
    let records: Vec<_> = match audience {
        Audience::SoftOptIn => {
            let mut imported = Vec::new();
            for data in ledger.store().all_record_data()? {
                let Some(row) = ImportedData::parse(&data.data) else { continue };
                if let Some(record) = ledger.store().record(&data.record_id)?
                    && record.site == site
                    && record.status == RecordStatus::Imported
                {
                    imported.push((row.imported.line, record));
                }
            }
            // The order of the lists they came from: one import's records share its time, then by line.
            imported
                .sort_by(|(la, a), (lb, b)| (a.created_at, la, &a.record_id).cmp(&(b.created_at, lb, &b.record_id)));
            imported.into_iter().map(|(_, record)| record).collect()
        }
        Audience::Legacy => legacy_consents(ledger, site, None)?.into_iter().map(|h| h.record).collect(),
    };
    let mut selection = Selection::default();
    let mut seen = HashSet::new();
    for record in records {
        if !seen.insert(record.subject_id.clone()) {
            continue;
        }
        let Some(email) = ledger.store().subject(&record.subject_id)?.and_then(|s| s.email) else { continue };
        let key = email_key(&email);
        if store::is_objected(ledger.store(), site, &key, audience.as_str())? {
            selection.objected += 1;
        } else if store::is_undeliverable(ledger.store(), site, &key)? {
            selection.undeliverable += 1;
        } else {
            selection.recipients.push(Candidate {
                subject_id: record.subject_id,
                record_id: record.record_id,
                email_sha256: key,
            });
        }
    }
    Ok(selection)
}

/// A recipient as they are when their message is composed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    /// Their address now.
    pub email: String,
    /// Their fields (the placeholders' values).
    pub fields: BTreeMap<String, String>,
    /// For `legacy`: each consent from before still to reconfirm, (purpose, evidence).
    pub legacy: Vec<(String, String)>,
}

/// Why a queued recipient is not written to after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Their data are no longer held (erased, anonymised).
    Gone,
    /// They objected since the campaign was queued.
    Objected,
    /// Their address bounced for good since.
    Undeliverable,
    /// For `legacy`: nothing is left to reconfirm (they answered).
    Answered,
}

impl Skip {
    /// The outcome stored on their row.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Gone => "data no longer held",
            Skip::Objected => "objected",
            Skip::Undeliverable => "undeliverable",
            Skip::Answered => "nothing left to reconfirm",
        }
    }
}

/// Reads a recipient as they are now.
pub fn addressee(
    store: &mut dyn Store,
    site: &str,
    row: &RecipientRow,
    audience: Audience,
) -> Result<Result<Addressee, Skip>, StoreError> {
    let subject = store.subject(&row.subject_id)?;
    let Some(email) = subject.filter(|s| s.anonymised_at.is_none()).and_then(|s| s.email) else {
        return Ok(Err(Skip::Gone));
    };
    let key = email_key(&email);
    if store::is_objected(store, site, &key, audience.as_str())? {
        return Ok(Err(Skip::Objected));
    }
    if store::is_undeliverable(store, site, &key)? {
        return Ok(Err(Skip::Undeliverable));
    }
    let Some(data) = store.record_data(&row.record_id)? else { return Ok(Err(Skip::Gone)) };
    let fields =
        ImportedData::parse(&data.data).map(|d| d.subject).or_else(|| held_fields(&data.data)).unwrap_or_default();
    let mut legacy = Vec::new();
    if audience == Audience::Legacy {
        let answered: Vec<String> = store.consents_of(&row.subject_id)?.into_iter().map(|c| c.purpose).collect();
        for stored in store.events_of_subject(&row.subject_id)? {
            let Ok(event) = serde_json::from_str::<Event>(&stored.body) else { continue };
            if event.kind != EventKind::Legacy || event.record_id.as_deref() != Some(row.record_id.as_str()) {
                continue;
            }
            let text = |k: &str| event.detail.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
            let purpose = text("purpose");
            if !answered.contains(&purpose) {
                legacy.push((purpose, text("evidence")));
            }
        }
        if legacy.is_empty() {
            return Ok(Err(Skip::Answered));
        }
    }
    Ok(Ok(Addressee { email, fields, legacy }))
}
