//! Consents collected before the collector (`import --legacy-consent`), counted and exported apart: "à
//! reconfirmer". They are never ordinary consents: `collector export` without `--legacy` does not list them, and
//! stats do not count them. One stops being listed here once its person answers for that purpose themselves
//! (a submission confirmed, a change, a reconfirmation or a refusal on their manage page:
//! [`crate::ledger::link_consent`]), or once their data are gone.

use crate::clock::rfc3339;
use crate::export::csv_cell;
use crate::ledger::import::ImportedData;
use crate::ledger::{Event, EventKind, Ledger, LedgerError};
use crate::sites::Site;
use crate::storage::{RecordRow, RecordStatus};
use serde_json::{Map, Value};

/// A legacy consent still to reconfirm.
#[derive(Debug, Clone)]
pub struct HeldLegacy {
    /// The imported record carrying it.
    pub record: RecordRow,
    /// The person's data (the imported row).
    pub data: ImportedData,
    /// The purpose.
    pub purpose: String,
    /// The evidence named at import.
    pub evidence: String,
}

/// Every legacy consent of a site still to reconfirm (for one purpose, or all).
pub fn legacy_consents(ledger: &mut Ledger, site: &str, purpose: Option<&str>) -> Result<Vec<HeldLegacy>, LedgerError> {
    let mut held = Vec::new();
    for stored in ledger.store().all_record_data()? {
        let Some(data) = ImportedData::parse(&stored.data) else { continue };
        let Some(record) = ledger.store().record(&stored.record_id)? else { continue };
        if record.site != site || record.status != RecordStatus::Imported {
            continue;
        }
        let answered: Vec<String> =
            ledger.store().consents_of(&record.subject_id)?.into_iter().map(|c| c.purpose).collect();
        let events = ledger.store().events_of_subject(&record.subject_id)?;
        for (p, _) in record.choices.iter().filter(|(p, given)| **given && purpose.is_none_or(|want| want == *p)) {
            if answered.contains(p) {
                continue;
            }
            let evidence = events
                .iter()
                .filter_map(|e| serde_json::from_str::<Event>(&e.body).ok())
                .find(|e| {
                    e.kind == EventKind::Legacy
                        && e.record_id.as_deref() == Some(record.record_id.as_str())
                        && e.detail.get("purpose").and_then(Value::as_str) == Some(p.as_str())
                })
                .and_then(|e| e.detail.get("evidence").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            held.push(HeldLegacy { record: record.clone(), data: data.clone(), purpose: p.clone(), evidence });
        }
    }
    // In the order of the lists they came from, not of their random ids.
    held.sort_by_key(|h| (h.record.created_at, h.data.imported.line));
    Ok(held)
}

/// What `collector stats` shows apart from the consents in force: the people held because they were imported
/// (soft opt-in, or a consent from before), and the consents from before still to reconfirm, per purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Apart {
    /// Imported people whose data are held and who have not answered through the form since.
    pub imported: usize,
    /// Consents from before still to reconfirm, by purpose.
    pub legacy: std::collections::BTreeMap<String, usize>,
}

/// Counts what [`Apart`] shows.
pub fn apart(ledger: &mut Ledger, site: &str) -> Result<Apart, LedgerError> {
    let mut imported = 0;
    for stored in ledger.store().all_record_data()? {
        if ImportedData::parse(&stored.data).is_some()
            && ledger
                .store()
                .record(&stored.record_id)?
                .is_some_and(|r| r.site == site && r.status == RecordStatus::Imported)
        {
            imported += 1;
        }
    }
    let mut legacy = std::collections::BTreeMap::new();
    for h in legacy_consents(ledger, site, None)? {
        *legacy.entry(h.purpose).or_default() += 1;
    }
    Ok(Apart { imported, legacy })
}

/// The export of one purpose's legacy consents: the site's fields, then `status` ("à reconfirmer"), `evidence`,
/// `source`, `imported_at`, `record_id`. CSV as `collector export` writes it (UTF-8 BOM, `;`, formulas defused),
/// or JSON.
pub fn export(ledger: &mut Ledger, site: &Site, purpose: &str, json: bool) -> Result<Vec<u8>, LedgerError> {
    let held = legacy_consents(ledger, site.config.site().as_str(), Some(purpose))?;
    let fields: Vec<String> = site.config.fields().iter().map(|f| f.id.to_string()).collect();
    let names: Vec<&str> =
        fields.iter().map(String::as_str).chain(["status", "evidence", "source", "imported_at", "record_id"]).collect();
    let rows: Vec<Vec<String>> = held
        .iter()
        .map(|h| {
            let mut cells: Vec<String> = {
                let held = h.data.held_subject();
                fields.iter().map(|f| held.get(f).cloned().unwrap_or_default()).collect()
            };
            cells.push("à reconfirmer".to_owned());
            cells.push(h.evidence.clone());
            cells.push(h.data.imported.source.clone());
            cells.push(rfc3339(h.record.created_at));
            cells.push(h.record.record_id.clone());
            cells
        })
        .collect();
    if json {
        let array: Vec<Value> = rows
            .into_iter()
            .map(|cells| {
                Value::Object(
                    names.iter().zip(cells).map(|(k, v)| ((*k).to_owned(), Value::String(v))).collect::<Map<_, _>>(),
                )
            })
            .collect();
        let mut bytes = serde_json::to_vec_pretty(&array).unwrap_or_default();
        bytes.push(b'\n');
        return Ok(bytes);
    }
    let mut out = String::from("\u{feff}");
    for cells in std::iter::once(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).chain(rows) {
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    Ok(out.into_bytes())
}
