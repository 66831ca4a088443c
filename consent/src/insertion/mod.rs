//! Anonymised statistics on graduates' professional insertion (« statistiques d'insertion professionnelle »),
//! computed from the career profiles of the subjects who consented to them, with k = 5 primary suppression and
//! complementary suppression ([`suppression`]). The collector writes them (`collector stats --insertion
//! --json`); site-kit reads the same JSON ([`InsertionStats`]) to build the statistics page and its shortcode.
//!
//! The indicators follow the vocabulary of InserSup (the ministry's insertion of graduates) and France
//! compétences, computed per promo × programme × horizon ([`horizon`]):
//!
//! - « part en emploi », « en poursuite d'études », « en recherche d'emploi »: shares of the respondents;
//! - « taux d'emploi »: those in employment among the respondents who do not continue their studies (InserSup
//!   leaves those out of its population).
//!
//! What the data do not allow, and so is not published: InserSup's « taux d'emploi salarié en France » (the
//! profile does not say whether a job is salaried; InserSup reads it from employers' declarations) and the share
//! in a job matching the programme (not asked).
//!
//! Only published numbers go into an indicator: a share whose count is secret is secret too, so that the share
//! times the respondents cannot give the count back.

pub mod horizon;
pub mod suppression;

pub use horizon::{Horizon, months_after_graduation};

use crate::locale::{Locale, Localized};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use suppression::Linked;

/// Counts under this are secret (« secret statistique »), as in the other statistics of the collector.
pub const K: u32 = 5;

/// The version of the JSON shape.
pub const FORMAT: u32 = 1;

/// The key of employed respondents who gave no sector (or one no longer declared).
pub const NOT_GIVEN: &str = "not_given";

/// A respondent's situation: the choice ids of the profile's `situation` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    /// `employed`: « en emploi ».
    Employed,
    /// `job_seeking`: « en recherche d'emploi ».
    JobSeeking,
    /// `studying`: « en poursuite d'études ».
    Studying,
    /// `other` (and any choice the site added).
    Other,
}

impl Situation {
    /// Every situation, in the order of the tables.
    pub const ALL: [Situation; 4] = [Situation::Employed, Situation::JobSeeking, Situation::Studying, Situation::Other];

    /// The situation of a held choice id; a choice the four do not name counts as `other`.
    pub fn of_choice(id: &str) -> Situation {
        match id {
            "employed" => Situation::Employed,
            "job_seeking" => Situation::JobSeeking,
            "studying" => Situation::Studying,
            _ => Situation::Other,
        }
    }

    /// As a column heading.
    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Situation::Employed, Locale::Fr) => "En emploi",
            (Situation::JobSeeking, Locale::Fr) => "En recherche d'emploi",
            (Situation::Studying, Locale::Fr) => "En poursuite d'études",
            (Situation::Other, Locale::Fr) => "Autre situation",
            (Situation::Employed, Locale::En) => "Employed",
            (Situation::JobSeeking, Locale::En) => "Seeking a job",
            (Situation::Studying, Locale::En) => "Studying",
            (Situation::Other, Locale::En) => "Other",
        }
    }
}

/// One respondent's answer, as read from the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Graduation year, as held.
    pub promo: String,
    /// Programme, as held.
    pub programme: String,
    /// Situation.
    pub situation: Situation,
    /// Sector choice id, if given.
    pub sector: Option<String>,
    /// Whole months from graduation to the answer ([`months_after_graduation`]).
    pub months: i64,
}

/// A sector the site declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    /// Its choice id.
    pub id: String,
    /// What people read.
    pub label: BTreeMap<Locale, String>,
}

impl Sector {
    /// A sector from the site's choice.
    pub fn new(id: &str, label: &Localized) -> Sector {
        Sector { id: id.to_owned(), label: label.0.clone() }
    }

    /// Its label in `locale` (French when missing).
    pub fn label(&self, locale: Locale) -> &str {
        self.label.get(&locale).or_else(|| self.label.get(&Locale::Fr)).map_or(self.id.as_str(), |s| s)
    }
}

/// The published statistics: `null` is a secret count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsertionStats {
    /// [`FORMAT`].
    pub format: u32,
    /// The site id.
    pub site: String,
    /// The consent purpose the respondents agreed to.
    pub purpose: String,
    /// The suppression threshold.
    pub k: u32,
    /// The sectors declared, in the site's order (empty when the profile asks none).
    pub sectors: Vec<Sector>,
    /// One row per promo × programme × horizon, by programme, then promo, then horizon.
    pub rows: Vec<Row>,
    /// Every row together (the column totals).
    pub total: Line,
}

/// One promo × programme × horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Graduation year.
    pub promo: String,
    /// Programme.
    pub programme: String,
    /// When the answers were given.
    pub horizon: Horizon,
    /// Its numbers.
    #[serde(flatten)]
    pub line: Line,
}

/// The numbers of a row or of the total; `None` is secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Respondents (« répondants »).
    pub respondents: Option<u32>,
    /// Respondents by situation.
    pub situations: Situations,
    /// Respondents in employment by sector id, and [`NOT_GIVEN`]; empty when no sector is declared.
    pub sectors: BTreeMap<String, Option<u32>>,
    /// Shares, from published counts only.
    pub indicators: Indicators,
}

/// Respondents by situation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Situations {
    /// En emploi.
    pub employed: Option<u32>,
    /// En recherche d'emploi.
    pub job_seeking: Option<u32>,
    /// En poursuite d'études.
    pub studying: Option<u32>,
    /// Autre situation.
    pub other: Option<u32>,
}

impl Situations {
    /// The count of one situation.
    pub fn get(&self, situation: Situation) -> Option<u32> {
        match situation {
            Situation::Employed => self.employed,
            Situation::JobSeeking => self.job_seeking,
            Situation::Studying => self.studying,
            Situation::Other => self.other,
        }
    }

    fn set(&mut self, situation: Situation, count: Option<u32>) {
        match situation {
            Situation::Employed => self.employed = count,
            Situation::JobSeeking => self.job_seeking = count,
            Situation::Studying => self.studying = count,
            Situation::Other => self.other = count,
        }
    }
}

/// Percentages, rounded to the nearest whole (half up); `None` when a count they need is secret or zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicators {
    /// « Taux d'emploi »: employed ÷ (respondents − studying).
    pub employment_rate: Option<u32>,
    /// « Part en emploi »: employed ÷ respondents.
    pub employed_share: Option<u32>,
    /// « Part en poursuite d'études »: studying ÷ respondents.
    pub studying_share: Option<u32>,
    /// « Part en recherche d'emploi »: job seeking ÷ respondents.
    pub job_seeking_share: Option<u32>,
}

/// `part` of `whole` in percent, rounded half up.
fn percent(part: Option<u32>, whole: Option<u32>) -> Option<u32> {
    let (part, whole) = (u64::from(part?), u64::from(whole?));
    (whole > 0).then(|| u32::try_from((200 * part + whole) / (2 * whole)).unwrap_or(u32::MAX))
}

impl Indicators {
    fn of(respondents: Option<u32>, s: &Situations) -> Indicators {
        let outside_studies = respondents.zip(s.studying).map(|(r, st)| r.saturating_sub(st));
        Indicators {
            employment_rate: percent(s.employed, outside_studies),
            employed_share: percent(s.employed, respondents),
            studying_share: percent(s.studying, respondents),
            job_seeking_share: percent(s.job_seeking, respondents),
        }
    }
}

/// The counts of one row (or of the total) before suppression, with their entries in the linked table.
struct Counts {
    respondents: usize,
    situations: [usize; 4],
    /// Declared sectors then [`NOT_GIVEN`].
    sectors: Vec<usize>,
}

impl InsertionStats {
    /// The statistics of `answers`, every count of 1 to 4 secret and as many more as it takes for none of them
    /// to be rebuilt from the others. Answers given before graduation are left out.
    pub fn compute(site: &str, purpose: &str, sectors: Vec<Sector>, answers: &[Answer]) -> InsertionStats {
        let mut grouped: BTreeMap<(String, String, Horizon), Vec<&Answer>> = BTreeMap::new();
        for a in answers {
            if let Some(h) = Horizon::of_months(a.months) {
                grouped.entry((a.programme.clone(), a.promo.clone(), h)).or_default().push(a);
            }
        }
        let sector_of = |a: &Answer| {
            let given = a.sector.as_deref().and_then(|s| sectors.iter().position(|d| d.id == s));
            given.unwrap_or(sectors.len())
        };
        let mut t = Linked::default();
        let count = |t: &mut Linked, n: usize, margin: bool| t.entry(u32::try_from(n).unwrap_or(u32::MAX), margin);
        let mut rows: Vec<Counts> = Vec::with_capacity(grouped.len());
        let mut small_rows = Vec::new();
        for answers in grouped.values() {
            let situations =
                Situation::ALL.map(|s| count(&mut t, answers.iter().filter(|a| a.situation == s).count(), false));
            let respondents = count(&mut t, answers.len(), true);
            t.sum(&situations, respondents);
            let mut row_sectors = Vec::new();
            if !sectors.is_empty() {
                let employed: Vec<&&Answer> = answers.iter().filter(|a| a.situation == Situation::Employed).collect();
                row_sectors = (0..=sectors.len())
                    .map(|i| count(&mut t, employed.iter().filter(|a| sector_of(a) == i).count(), false))
                    .collect();
                t.sum(&row_sectors, situations[0]);
            }
            if answers.len() < K as usize {
                // Under k respondents nothing of the row is shown, not even its zeros (« none of the 3 is
                // seeking a job » says something about each of them) — but those a published total of 0 gives
                // away to everyone ([`Linked::suppress`]).
                small_rows.extend(situations.iter().chain(&row_sectors).copied());
                small_rows.push(respondents);
            }
            rows.push(Counts { respondents, situations, sectors: row_sectors });
        }
        let column = |t: &mut Linked, of: &dyn Fn(&Counts) -> usize| {
            let parts: Vec<usize> = rows.iter().map(of).collect();
            let total: usize = parts.iter().map(|&e| t.entries[e].value as usize).sum();
            let e = count(t, total, true);
            t.sum(&parts, e);
            e
        };
        let total_situations = [0, 1, 2, 3].map(|j| column(&mut t, &|r| r.situations[j]));
        let total_respondents = column(&mut t, &|r| r.respondents);
        t.sum(&total_situations, total_respondents);
        let mut total_sectors = Vec::new();
        if !sectors.is_empty() {
            total_sectors = (0..=sectors.len()).map(|i| column(&mut t, &|r| r.sectors[i])).collect();
            t.sum(&total_sectors, total_situations[0]);
        }
        let hidden = t.suppress(K, &small_rows);
        let shown = |e: usize| (!hidden[e]).then_some(t.entries[e].value);
        let line = |counts: &Counts| {
            let mut situations = Situations::default();
            for (s, e) in Situation::ALL.iter().zip(counts.situations) {
                situations.set(*s, shown(e));
            }
            let respondents = shown(counts.respondents);
            let ids = sectors.iter().map(|s| s.id.as_str()).chain([NOT_GIVEN]);
            let sectors = ids.zip(&counts.sectors).map(|(id, e)| (id.to_owned(), shown(*e))).collect();
            Line { respondents, indicators: Indicators::of(respondents, &situations), situations, sectors }
        };
        let published: Vec<Row> = grouped
            .keys()
            .zip(&rows)
            .map(|((programme, promo, horizon), counts)| Row {
                promo: promo.clone(),
                programme: programme.clone(),
                horizon: *horizon,
                line: line(counts),
            })
            .collect();
        let total =
            line(&Counts { respondents: total_respondents, situations: total_situations, sectors: total_sectors });
        InsertionStats {
            format: FORMAT,
            site: site.to_owned(),
            purpose: purpose.to_owned(),
            k: K,
            sectors,
            rows: published,
            total,
        }
    }

    /// The rows of one programme.
    pub fn programme<'a>(&'a self, programme: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows.iter().filter(move |r| r.programme == programme)
    }

    /// The programmes, in order, once each.
    pub fn programmes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.rows.iter().map(|r| r.programme.as_str()).collect();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests;
