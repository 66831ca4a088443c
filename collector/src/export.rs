//! `collector export`: the subjects who confirmed a purpose and did not withdraw it, as CSV (UTF-8 with BOM,
//! `;`-separated for French spreadsheets, safe against formula injection) or JSON.

use crate::clock::rfc3339;
use crate::ledger::{Event, EventKind, HeldForm, Ledger, LedgerError, held_form};
use crate::sites::Site;
use crate::storage::ConsentRow;
use serde_json::{Map, Value};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV for spreadsheets.
    Csv,
    /// A JSON array.
    Json,
}

/// A consent in force with the data of the record that gave it (a signed submission, or a consent given through
/// the personal link).
#[derive(Debug, Clone)]
pub struct HeldConsent {
    /// The consent.
    pub consent: ConsentRow,
    /// The held data of the record that set it.
    pub form: HeldForm,
    /// The career profile held beside them (field id → value; a choice's id).
    pub profile: std::collections::BTreeMap<String, String>,
}

/// Every consent in force on a site (for one purpose, or all), with its submission. Pending, withdrawn,
/// expired and erased subjects have no consent in force, so they never appear.
pub fn held_consents(ledger: &mut Ledger, site: &str, purpose: Option<&str>) -> Result<Vec<HeldConsent>, LedgerError> {
    let consents = match purpose {
        Some(p) => ledger.store().granted(site, p)?,
        None => ledger.store().granted_all(site)?,
    };
    let mut held = Vec::with_capacity(consents.len());
    for consent in consents {
        let Some(data) = ledger.store().record_data(&consent.record_id)? else { continue };
        let Some(record) = ledger.store().record(&consent.record_id)? else { continue };
        // The fields as held now: corrected ones once the subject rectified them.
        let Some(form) = held_form(&data.data, &record) else { continue };
        held.push(HeldConsent { consent, profile: crate::ledger::held_profile(&data.data), form });
    }
    Ok(held)
}

/// The notice version a consent in force was given under: the one its `changed` event names when the answer was
/// last set on the manage page, else the one its signed submission names (a confirmation, a device change, or a
/// change recorded before changes named their notice), or the record's (a consent given through the link).
fn notice_version_of(ledger: &mut Ledger, held: &HeldConsent) -> Result<String, LedgerError> {
    let set_at = rfc3339(held.consent.updated_at);
    let events = ledger.store().events_of_subject(&held.consent.subject_id)?;
    let changed = events.iter().rev().filter_map(|e| serde_json::from_str::<Event>(&e.body).ok()).find(|e| {
        e.kind == EventKind::Changed
            && e.at == set_at
            && e.record_id.as_deref() == Some(held.consent.record_id.as_str())
            && e.detail.get("choices").and_then(|c| c.get(&held.consent.purpose)).is_some()
    });
    Ok(changed.as_ref().and_then(Event::notice_version).map_or_else(|| held.form.notice_version.clone(), str::to_owned))
}

/// Makes a cell safe for spreadsheets: a leading `= + - @`, tab or carriage return would start a formula, so
/// it is prefixed with `'`; then RFC 4180 quoting.
pub fn csv_cell(value: &str) -> String {
    let mut cell = String::with_capacity(value.len() + 2);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell.push('\'');
    }
    cell.push_str(value);
    if cell.contains([';', ',', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// The export of one purpose.
pub fn export(ledger: &mut Ledger, site: &Site, purpose: &str, format: Format) -> Result<Vec<u8>, LedgerError> {
    let held = held_consents(ledger, site.config.site().as_str(), Some(purpose))?;
    let mut fields: Vec<String> = site.config.fields().iter().map(|f| f.id.to_string()).collect();
    // The career profile, for a purpose whose consent covers it: one column per field (ids distinct from the
    // form's); a choice as its label in French in the spreadsheet, as its id in JSON.
    let profile = site.config.profile_covered_by(&[purpose]);
    let form_fields = fields.len();
    fields.extend(profile.iter().map(|f| f.id.to_string()));
    let extra = ["consented_at", "notice_version", "cta", "record_id"];
    let versions: Vec<String> = held.iter().map(|h| notice_version_of(ledger, h)).collect::<Result<_, _>>()?;
    let row = |(h, version): (&HeldConsent, &String)| -> Vec<String> {
        let mut cells: Vec<String> =
            fields[..form_fields].iter().map(|f| h.form.subject.get(f).cloned().unwrap_or_default()).collect();
        cells.extend(profile.iter().map(|f| {
            let value = h.profile.get(f.id.as_str()).map_or("", String::as_str);
            if format == Format::Csv {
                f.display(value, site.config.default_locale()).to_owned()
            } else {
                value.to_owned()
            }
        }));
        cells.push(rfc3339(h.consent.updated_at));
        cells.push(version.clone());
        cells.push(h.form.cta.clone());
        cells.push(h.consent.record_id.clone());
        cells
    };
    Ok(match format {
        Format::Csv => {
            let mut out = String::from("\u{feff}");
            let header: Vec<String> = fields.iter().map(String::as_str).chain(extra).map(csv_cell).collect();
            out.push_str(&header.join(";"));
            out.push_str("\r\n");
            for h in held.iter().zip(&versions) {
                let cells: Vec<String> = row(h).iter().map(|c| csv_cell(c)).collect();
                out.push_str(&cells.join(";"));
                out.push_str("\r\n");
            }
            out.into_bytes()
        }
        Format::Json => {
            let names: Vec<&str> = fields.iter().map(String::as_str).chain(extra).collect();
            let rows: Vec<Value> = held
                .iter()
                .zip(&versions)
                .map(|h| {
                    let object: Map<String, Value> =
                        names.iter().zip(row(h)).map(|(k, v)| ((*k).to_owned(), Value::String(v))).collect();
                    Value::Object(object)
                })
                .collect();
            let mut bytes = serde_json::to_vec_pretty(&rows).unwrap_or_default();
            bytes.push(b'\n');
            bytes
        }
    })
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_defused_and_quoting_is_rfc4180() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+33 6"), "'+33 6");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("<img src=x onerror=alert(1)>"), "<img src=x onerror=alert(1)>");
        assert_eq!(csv_cell("Éloïse"), "Éloïse");
    }
}
