//! `collector stats`: how many subjects consent, by purpose, promo, programme, CTA and page. Any count under
//! k = 5 is shown as « < 5 » so that no small group can be singled out.

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
}

/// A count as shown: « < 5 » under k.
pub fn shown(count: usize) -> String {
    if count < K_ANONYMITY { "< 5".to_owned() } else { count.to_string() }
}

fn page_path(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or("");
    match without_query.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".to_owned(), |i| rest[i..].to_owned()),
        None => without_query.to_owned(),
    }
}

/// Computes the statistics of a site.
pub fn compute(ledger: &mut Ledger, site: &Site) -> Result<Stats, LedgerError> {
    let held = held_consents(ledger, site.config.site().as_str(), None)?;
    let mut sets: BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut subjects = BTreeSet::new();
    for h in &held {
        let who = h.consent.subject_id.clone();
        subjects.insert(who.clone());
        let subject = &h.submission.subject;
        let mut add = |dimension: &'static str, value: String| {
            sets.entry(dimension).or_default().entry(value).or_default().insert(who.clone());
        };
        add("purpose", h.consent.purpose.clone());
        add("promo", subject.get("promo").cloned().unwrap_or_default());
        add("programme", subject.get("programme").cloned().unwrap_or_default());
        add("cta", h.submission.cta.to_string());
        add("page", page_path(&h.submission.page_url));
    }
    let tables = sets
        .into_iter()
        .map(|(dimension, values)| (dimension, values.into_iter().map(|(v, s)| (v, s.len())).collect()))
        .collect();
    Ok(Stats { subjects: subjects.len(), tables })
}

/// The statistics as text, every count k-suppressed.
pub fn render_text(site: &Site, stats: &Stats) -> String {
    let mut out = String::new();
    let _ =
        writeln!(out, "Site {} — consentements confirmés en vigueur / confirmed consents in force", site.config.site());
    let _ = writeln!(out, "Personnes / subjects: {}", shown(stats.subjects));
    for (dimension, title) in [
        ("purpose", "Par finalité / by purpose"),
        ("promo", "Par promotion / by graduation year"),
        ("programme", "Par cursus / by programme"),
        ("cta", "Par appel à l'action / by CTA"),
        ("page", "Par page / by page"),
    ] {
        let _ = writeln!(out, "\n{title}");
        let Some(table) = stats.tables.get(dimension) else {
            let _ = writeln!(out, "  (aucune donnée / no data)");
            continue;
        };
        let width = table.keys().map(|k| k.chars().count()).max().unwrap_or(0).max(8);
        for (value, count) in table {
            let label = if value.is_empty() { "(non renseigné / not given)" } else { value.as_str() };
            let _ = writeln!(out, "  {label:<width$}  {:>5}", shown(*count));
        }
    }
    out
}

/// The statistics as JSON, every count k-suppressed (as strings).
pub fn render_json(site: &Site, stats: &Stats) -> String {
    let tables: serde_json::Map<String, serde_json::Value> = stats
        .tables
        .iter()
        .map(|(d, t)| {
            let values = t.iter().map(|(v, c)| (v.clone(), serde_json::Value::String(shown(*c)))).collect();
            ((*d).to_owned(), serde_json::Value::Object(values))
        })
        .collect();
    let value = serde_json::json!({"site": site.config.site().as_str(), "subjects": shown(stats.subjects), "k": K_ANONYMITY, "tables": tables});
    serde_json::to_string_pretty(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_and_pages() {
        assert_eq!(shown(0), "< 5");
        assert_eq!(shown(4), "< 5");
        assert_eq!(shown(5), "5");
        assert_eq!(page_path("http://127.0.0.1:8080/portrait/?utm=x#top"), "/portrait/");
        assert_eq!(page_path("https://a.fr"), "/");
    }
}
