//! How long after graduation an answer was given, and the horizon of the indicators it counts for.
//!
//! What the data allow: a profile holds the subject's situation as they last gave it, and the ledger says when
//! (the `rectified` event of the profile). So each respondent is seen at one moment only — an update at 14
//! months replaces the answer given at 5 — and there is no survey on a fixed date as in InserSup (which reads
//! the employers' declarations, DSN, 6, 12, 18… months after the diploma for every graduate).
//!
//! The convention: promo `Y` graduates on **1 July Y** (the end of the academic year); the answer's age is the
//! number of whole calendar months from that day to the day of the answer (UTC). An answer counts for the
//! nearest horizon: « à 6 mois » from 0 to 8 months, « à 12 mois » from 9 to 17 months, « à 18 mois et plus »
//! from 18 months on. An answer given before 1 July of the promo year is not an insertion yet: it is left out.

use serde::{Deserialize, Serialize};

/// The month (1–12) of the graduation date taken for every promo (its first day).
pub const GRADUATION_MONTH: i64 = 7;

/// The horizon an answer counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Horizon {
    /// 0 to 8 months after graduation.
    #[serde(rename = "6_months")]
    SixMonths,
    /// 9 to 17 months after graduation.
    #[serde(rename = "12_months")]
    TwelveMonths,
    /// 18 months or more.
    #[serde(rename = "18_months_or_more")]
    Later,
}

impl Horizon {
    /// Every horizon, in order.
    pub const ALL: [Horizon; 3] = [Horizon::SixMonths, Horizon::TwelveMonths, Horizon::Later];

    /// The horizon of an answer given `months` whole months after graduation; `None` before graduation.
    pub fn of_months(months: i64) -> Option<Horizon> {
        match months {
            ..0 => None,
            0..=8 => Some(Horizon::SixMonths),
            9..=17 => Some(Horizon::TwelveMonths),
            _ => Some(Horizon::Later),
        }
    }

    /// As InserSup's tables name it.
    pub fn label_fr(self) -> &'static str {
        match self {
            Horizon::SixMonths => "à 6 mois",
            Horizon::TwelveMonths => "à 12 mois",
            Horizon::Later => "à 18 mois et plus",
        }
    }

    /// In English.
    pub fn label_en(self) -> &'static str {
        match self {
            Horizon::SixMonths => "at 6 months",
            Horizon::TwelveMonths => "at 12 months",
            Horizon::Later => "at 18 months or more",
        }
    }

    /// The months of answers it holds, as a reader is told.
    pub fn window_fr(self) -> &'static str {
        match self {
            Horizon::SixMonths => "réponses données de 0 à 8 mois après le diplôme",
            Horizon::TwelveMonths => "réponses données de 9 à 17 mois après le diplôme",
            Horizon::Later => "réponses données 18 mois ou plus après le diplôme",
        }
    }
}

/// Whole calendar months from 1 July of `promo` to the UTC day of `answered_ms` (Unix milliseconds).
pub fn months_after_graduation(promo: i64, answered_ms: i64) -> i64 {
    let (year, month) = year_month(answered_ms.div_euclid(86_400_000));
    (year - promo) * 12 + (month - GRADUATION_MONTH)
}

/// The civil year and month of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn year_month(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix milliseconds of a UTC midnight.
    fn day(year: i64, month: i64, d: i64) -> i64 {
        // days_from_civil, the inverse of the function under test, written independently.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400_000
    }

    #[test]
    fn months_are_counted_from_the_first_of_july_of_the_promo() {
        assert_eq!(months_after_graduation(2025, day(2025, 7, 1)), 0);
        assert_eq!(months_after_graduation(2025, day(2025, 6, 30)), -1);
        assert_eq!(months_after_graduation(2025, day(2026, 1, 15)), 6);
        assert_eq!(months_after_graduation(2024, day(2025, 7, 31) + 86_399_999), 12);
        assert_eq!(months_after_graduation(2020, day(2000, 2, 29)), -245);
    }

    #[test]
    fn each_answer_counts_for_the_nearest_horizon() {
        assert_eq!(Horizon::of_months(-1), None);
        assert_eq!(Horizon::of_months(0), Some(Horizon::SixMonths));
        assert_eq!(Horizon::of_months(8), Some(Horizon::SixMonths));
        assert_eq!(Horizon::of_months(9), Some(Horizon::TwelveMonths));
        assert_eq!(Horizon::of_months(17), Some(Horizon::TwelveMonths));
        assert_eq!(Horizon::of_months(18), Some(Horizon::Later));
    }
}
