//! `collector stats --insertion`: the anonymised insertion statistics of a site ([`consent::insertion`]), from the
//! career profiles of the subjects whose consent to the statistics purpose is in force.
//!
//! Which purpose: `--purpose ID`, else the one named [`DEFAULT_PURPOSE`] (both examples declare it). Who counts:
//! a subject with that consent in force (confirmed, not withdrawn, data held), a promo that is a year, a
//! programme, and a `situation` in their profile. When they answered: the last `rectified` event of their
//! profile (the ledger names the fields, never the values); a profile never changed since its consent counts at
//! the date of that consent.

use crate::clock::parse_rfc3339;
use crate::export::held_consents;
use crate::ledger::{Event, EventKind, Ledger, LedgerError};
use crate::sites::Site;
use consent::Locale;
use consent::insertion::{
    Answer, Horizon, InsertionStats, Line, NOT_GIVEN, Sector, Situation, months_after_graduation,
};
use std::fmt::Write;

/// The purpose counted when `--purpose` is not given.
pub const DEFAULT_PURPOSE: &str = "insertion_stats";

/// The profile field holding the situation, and the one holding the sector.
const SITUATION: &str = "situation";
const SECTOR: &str = "sector";

/// Why the statistics cannot be computed.
#[derive(Debug, thiserror::Error)]
pub enum InsertionError {
    /// The purpose asked (or the default one) is not declared by the site.
    #[error(
        "le site {site} ne déclare pas la finalité `{purpose}` (finalités : {known}) ; choisissez-la avec --purpose / \
         site {site} declares no purpose `{purpose}` (purposes: {known}); choose one with --purpose"
    )]
    UnknownPurpose {
        /// The site.
        site: String,
        /// The purpose looked for.
        purpose: String,
        /// The purposes it declares.
        known: String,
    },
    /// The profile asks no situation, so nobody can be counted.
    #[error(
        "le profil du site {0} ne déclare pas de champ `situation` ([[profile]] id = \"situation\") / \
         the profile of site {0} declares no `situation` field"
    )]
    NoSituation(String),
    /// The ledger could not be read.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// The purpose to count: `asked`, else [`DEFAULT_PURPOSE`]; refused when the site does not declare it.
pub fn purpose(site: &Site, asked: Option<&str>) -> Result<String, InsertionError> {
    let purpose = asked.unwrap_or(DEFAULT_PURPOSE);
    if site.config.purpose(purpose).is_some() {
        return Ok(purpose.to_owned());
    }
    let known: Vec<&str> = site.config.purposes().iter().map(|p| p.id.as_str()).collect();
    Err(InsertionError::UnknownPurpose {
        site: site.config.site().to_string(),
        purpose: purpose.to_owned(),
        known: known.join(", "),
    })
}

/// When the subject last changed their profile (Unix ms), if they ever did.
fn profile_changed_at(ledger: &mut Ledger, subject_id: &str) -> Result<Option<i64>, LedgerError> {
    let events = ledger.store().events_of_subject(subject_id)?;
    Ok(events
        .iter()
        .filter_map(|e| serde_json::from_str::<Event>(&e.body).ok())
        .filter(|e| e.kind == EventKind::Rectified)
        .filter(|e| {
            e.detail
                .get("fields")
                .and_then(|f| f.as_array())
                .is_some_and(|fields| fields.iter().any(|f| f.as_str().is_some_and(|f| f.starts_with("profile."))))
        })
        .filter_map(|e| parse_rfc3339(&e.at))
        .max())
}

/// The answers of the subjects whose consent to `purpose` is in force and whose profile gives a situation.
pub fn answers(ledger: &mut Ledger, site: &Site, purpose: &str) -> Result<Vec<Answer>, LedgerError> {
    let mut answers = Vec::new();
    for held in held_consents(ledger, site.config.site().as_str(), Some(purpose))? {
        let profile = &held.profile;
        let Some(situation) = profile.get(SITUATION) else { continue };
        let subject = &held.form.subject;
        let (Some(promo), Some(programme)) = (subject.get("promo"), subject.get("programme")) else { continue };
        let Ok(year) = promo.trim().parse::<i64>() else { continue };
        let answered = profile_changed_at(ledger, &held.consent.subject_id)?.unwrap_or(held.consent.updated_at);
        answers.push(Answer {
            promo: promo.trim().to_owned(),
            programme: programme.trim().to_owned(),
            situation: Situation::of_choice(situation),
            sector: profile.get(SECTOR).cloned(),
            months: months_after_graduation(year, answered),
        });
    }
    Ok(answers)
}

/// The statistics of a site for `purpose` (see [`purpose`]).
pub fn compute(ledger: &mut Ledger, site: &Site, purpose: &str) -> Result<InsertionStats, InsertionError> {
    if site.config.profile_field(SITUATION).is_none() {
        return Err(InsertionError::NoSituation(site.config.site().to_string()));
    }
    let sectors: Vec<Sector> = site
        .config
        .profile_field(SECTOR)
        .map(|f| f.choices.iter().map(|c| Sector::new(&c.id, &c.label)).collect())
        .unwrap_or_default();
    let answers = answers(ledger, site, purpose)?;
    Ok(InsertionStats::compute(site.config.site().as_str(), purpose, sectors, &answers))
}

/// A secret count in the text table.
const SECRET: &str = "s";

fn count(n: Option<u32>) -> String {
    n.map_or_else(|| SECRET.to_owned(), |n| n.to_string())
}

fn share(p: Option<u32>) -> String {
    p.map_or_else(|| SECRET.to_owned(), |p| format!("{p} %"))
}

/// One line of the text table: respondents, the four situations, the employment rate.
fn cells(line: &Line) -> Vec<String> {
    let mut out = vec![count(line.respondents)];
    out.extend(Situation::ALL.iter().map(|s| count(line.situations.get(*s))));
    out.push(share(line.indicators.employment_rate));
    out.push(share(line.indicators.employed_share));
    out
}

fn write_table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    let width =
        |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].chars().count()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |out: &mut String, cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            // Names on the left, numbers on the right.
            if i < 3 {
                let _ = write!(text, "{cell}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(text, "{}{cell}  ", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "  {}", text.trim_end());
    };
    line(out, &header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    for row in rows {
        line(out, row);
    }
}

/// The statistics as text, French first.
pub fn render_text(stats: &InsertionStats) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Site {} — statistiques d'insertion professionnelle / graduate employment statistics",
        stats.site
    );
    let _ = writeln!(
        out,
        "Répondants : personnes dont le consentement à « {} » est en vigueur et qui ont indiqué leur situation / \
         respondents: people whose consent to `{}` is in force and who gave their situation",
        stats.purpose, stats.purpose
    );
    let _ = writeln!(
        out,
        "« {SECRET} » : secret statistique — moins de {} personnes, ou masqué pour qu'un petit effectif ne puisse \
         pas être retrouvé par soustraction / statistical confidentiality: fewer than {} people, or hidden so that \
         a small count cannot be found by subtraction",
        stats.k, stats.k
    );
    let _ = writeln!(
        out,
        "Taux d'emploi : en emploi ÷ (répondants − en poursuite d'études) ; part en emploi : en emploi ÷ répondants"
    );
    let mut header = vec!["Cursus / programme", "Promo", "Horizon", "Répondants"];
    header.extend(Situation::ALL.iter().map(|s| s.label(Locale::Fr)));
    header.extend(["Taux d'emploi", "Part en emploi"]);
    let mut rows: Vec<Vec<String>> = stats
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.programme.clone(), r.promo.clone(), r.horizon.label_fr().to_owned()];
            row.extend(cells(&r.line));
            row
        })
        .collect();
    let mut total = vec!["Ensemble / all".to_owned(), String::new(), String::new()];
    total.extend(cells(&stats.total));
    rows.push(total);
    let _ = writeln!(out);
    if stats.rows.is_empty() {
        let _ = writeln!(out, "  (aucun répondant / no respondent)");
        return out;
    }
    write_table(&mut out, &header, &rows);
    if !stats.sectors.is_empty() {
        let _ = writeln!(out, "\nSecteur d'activité des répondants en emploi / sector of those employed");
        let mut header = vec!["Cursus / programme", "Promo", "Horizon"];
        header.extend(stats.sectors.iter().map(|s| s.label(Locale::Fr)));
        header.push("Non renseigné");
        let ids: Vec<&str> = stats.sectors.iter().map(|s| s.id.as_str()).chain([NOT_GIVEN]).collect();
        let sector_cells =
            |line: &Line| ids.iter().map(|id| count(line.sectors.get(*id).copied().flatten())).collect::<Vec<_>>();
        let mut rows: Vec<Vec<String>> = stats
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.programme.clone(), r.promo.clone(), r.horizon.label_fr().to_owned()];
                row.extend(sector_cells(&r.line));
                row
            })
            .collect();
        let mut total = vec!["Ensemble / all".to_owned(), String::new(), String::new()];
        total.extend(sector_cells(&stats.total));
        rows.push(total);
        write_table(&mut out, &header, &rows);
    }
    let _ = writeln!(out, "\nHorizons :");
    for h in Horizon::ALL {
        let _ = writeln!(out, "  {} : {}", h.label_fr(), h.window_fr());
    }
    let _ = writeln!(
        out,
        "  (la promotion est réputée diplômée le 1er juillet de son année / a promo graduates on 1 July)"
    );
    out
}

/// The statistics as JSON, for `site-kit build` (`data/insertion.json`).
pub fn render_json(stats: &InsertionStats) -> String {
    serde_json::to_string_pretty(stats).unwrap_or_default()
}
