//! `collector stats`: how many subjects consent, by purpose, promo, programme, CTA and page, and apart, how many
//! anonymised subjects had consented (counts kept when their data were removed). Any count under
//! k = 5 is shown as « < 5 » so that no small group can be singled out.

pub mod insertion;

use crate::dimensions::form_dimensions;
use crate::export::held_consents;
use crate::ledger::{Ledger, LedgerError};
use crate::sites::Site;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Counts under this are suppressed.
pub const K_ANONYMITY: usize = 5;

/// One table: value → number of distinct subjects.
pub type Breakdown = BTreeMap<String, usize>;

/// The statistics of a site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Subjects with at least one consent in force.
    pub subjects: usize,
    /// By dimension (`purpose`, `promo`, `programme`, `cta`, `page`), by value.
    pub tables: BTreeMap<&'static str, Breakdown>,
    /// The subjects whose data were removed at the end of retention or on withdrawal, kept as counts only.
    pub anonymised: Anonymised,
    /// Imported people and consents from before still to reconfirm (`collector import`): never consents in force.
    pub apart: crate::import::legacy::Apart,
}

/// What stays of anonymised subjects: counts, by the same dimensions as the consents in force (each subject
/// under every purpose they had given), plus `ended` (`retention`, `withdrawn`). Shown apart from the consents
/// in force: a total of both would let a small cell be found by subtraction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anonymised {
    /// Subjects anonymised.
    pub subjects: usize,
    /// By dimension, by value.
    pub tables: BTreeMap<String, Breakdown>,
}

/// A count as shown: « < 5 » under k.
pub fn shown(count: usize) -> String {
    if count < K_ANONYMITY { "< 5".to_owned() } else { count.to_string() }
}

/// Computes the statistics of a site.
pub fn compute(ledger: &mut Ledger, site: &Site) -> Result<Stats, LedgerError> {
    let held = held_consents(ledger, site.config.site().as_str(), None)?;
    let mut sets: BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut subjects = BTreeSet::new();
    for h in &held {
        let who = h.consent.subject_id.clone();
        subjects.insert(who.clone());
        let form = &h.form;
        for (dimension, value) in form_dimensions(&h.consent.purpose, &form.subject, &form.cta, &form.page_url) {
            sets.entry(dimension).or_default().entry(value).or_default().insert(who.clone());
        }
    }
    let tables = sets
        .into_iter()
        .map(|(dimension, values)| (dimension, values.into_iter().map(|(v, s)| (v, s.len())).collect()))
        .collect();
    let mut anonymised = Anonymised::default();
    for row in ledger.store().aggregates(site.config.site().as_str())? {
        let count = usize::try_from(row.subjects).unwrap_or(usize::MAX);
        if row.dimension == "ended" {
            anonymised.subjects = anonymised.subjects.saturating_add(count);
        }
        anonymised.tables.entry(row.dimension).or_default().insert(row.value, count);
    }
    let apart = crate::import::legacy::apart(ledger, site.config.site().as_str())?;
    Ok(Stats { subjects: subjects.len(), tables, anonymised, apart })
}

/// The statistics as text, every count k-suppressed.
pub fn render_text(site: &Site, stats: &Stats) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "Site {} — consentements confirmés en vigueur / confirmed consents in force", site.config.site());
    let _ = writeln!(out, "Personnes / subjects: {}", shown(stats.subjects));
    for (dimension, title) in TITLES {
        write_table(&mut out, title, stats.tables.get(dimension));
    }
    let _ = writeln!(out, "\nSite {} — personnes anonymisées / anonymised subjects", site.config.site());
    let _ = writeln!(
        out,
        "(fin de conservation ou retrait\u{a0}: seuls ces comptes restent / \
         end of retention or withdrawal: only counts remain)"
    );
    let _ = writeln!(out, "Personnes / subjects: {}", shown(stats.anonymised.subjects));
    for (dimension, title) in TITLES.iter().chain(&[("ended", "Fin / ended by")]) {
        write_table(&mut out, title, stats.anonymised.tables.get(*dimension));
    }
    let _ = writeln!(
        out,
        "\nSite {} — hors consentements : listes importées / apart from consents: imported lists",
        site.config.site()
    );
    let _ = writeln!(out, "Personnes importées (soft opt-in) / imported subjects: {}", shown(stats.apart.imported));
    let legacy = (!stats.apart.legacy.is_empty()).then_some(&stats.apart.legacy);
    write_table(&mut out, "Consentements antérieurs à reconfirmer / consents from before, to reconfirm", legacy);
    out
}

const TITLES: [(&str, &str); 5] = [
    ("purpose", "Par finalité / by purpose"),
    ("promo", "Par promotion / by graduation year"),
    ("programme", "Par cursus / by programme"),
    ("cta", "Par appel à l'action / by CTA"),
    ("page", "Par page / by page"),
];

fn write_table(out: &mut String, title: &str, table: Option<&Breakdown>) {
    let _ = writeln!(out, "\n{title}");
    let Some(table) = table else {
        let _ = writeln!(out, "  (aucune donnée / no data)");
        return;
    };
    let width = table.keys().map(|k| k.chars().count()).max().unwrap_or(0).max(8);
    for (value, count) in table {
        let label = if value.is_empty() { "(non renseigné / not given)" } else { value.as_str() };
        let _ = writeln!(out, "  {label:<width$}  {:>5}", shown(*count));
    }
}

fn tables_json<'a>(tables: impl Iterator<Item = (&'a str, &'a Breakdown)>) -> serde_json::Value {
    let tables: serde_json::Map<String, serde_json::Value> = tables
        .map(|(d, t)| {
            let values = t.iter().map(|(v, c)| (v.clone(), serde_json::Value::String(shown(*c)))).collect();
            (d.to_owned(), serde_json::Value::Object(values))
        })
        .collect();
    serde_json::Value::Object(tables)
}

/// The statistics as JSON, every count k-suppressed (as strings).
pub fn render_json(site: &Site, stats: &Stats) -> String {
    let tables = tables_json(stats.tables.iter().map(|(d, t)| (*d, t)));
    let anonymised = serde_json::json!({
        "subjects": shown(stats.anonymised.subjects),
        "tables": tables_json(stats.anonymised.tables.iter().map(|(d, t)| (d.as_str(), t))),
    });
    let value = serde_json::json!({
        "site": site.config.site().as_str(),
        "subjects": shown(stats.subjects),
        "k": K_ANONYMITY,
        "tables": tables,
        "anonymised": anonymised,
        "imported": {
            "subjects": shown(stats.apart.imported),
            "legacy_to_reconfirm": tables_json(std::iter::once(("purpose", &stats.apart.legacy)))["purpose"],
        },
    });
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_under_five_are_suppressed() {
        assert_eq!(shown(0), "< 5");
        assert_eq!(shown(4), "< 5");
        assert_eq!(shown(5), "5");
    }
}
