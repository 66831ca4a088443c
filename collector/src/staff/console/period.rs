//! Dates and periods of the dashboard: days counted from the Unix epoch (UTC), the four periods staff choose
//! from, and the buckets a period is drawn in (days up to two months, months beyond).

use crate::clock::DAY_MS;

/// A civil date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub y: i32,
    /// Month, 1–12.
    pub m: u32,
    /// Day, 1–31.
    pub d: u32,
}

/// The day number (days since 1970-01-01) of a Unix ms instant.
pub fn day_of_ms(ms: i64) -> i32 {
    i32::try_from(ms.div_euclid(DAY_MS)).unwrap_or(0)
}

/// Howard Hinnant's `civil_from_days`.
pub fn date_of_day(day: i32) -> Date {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = i32::try_from(yoe + era * 400 + i64::from(m <= 2)).unwrap_or(1970);
    Date { y, m, d }
}

/// Howard Hinnant's `days_from_civil`.
pub fn day_of_date(date: Date) -> i32 {
    let y = i64::from(date.y) - i64::from(date.m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(date.m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(date.d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).unwrap_or(0)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The same day `months` later, clamped to the month's end (31 January + 1 month = 28 or 29 February), as
/// art. 12(3)'s "one month" is counted.
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.m - 1 + months;
    let y = date.y + i32::try_from(total / 12).unwrap_or(0);
    let m = total % 12 + 1;
    Date { y, m, d: date.d.min(days_in_month(y, m)) }
}

/// `YYYY-MM-DD`.
pub fn iso(day: i32) -> String {
    let d = date_of_day(day);
    format!("{:04}-{:02}-{:02}", d.y, d.m, d.d)
}

/// Parses `YYYY-MM-DD` (what `<input type="date">` sends).
pub fn parse_iso(text: &str) -> Option<i32> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(day_of_date(Date { y, m, d }))
}

/// A period of whole days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: i32,
    /// Last day.
    pub to: i32,
}

/// How a period is cut for the charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// One point a day.
    Day,
    /// One point a month.
    Month,
}

/// The longest custom period, in days (ten years).
pub const MAX_DAYS: i32 = 3660;

impl Period {
    /// The last `days` days up to `today`.
    pub fn last_days(today: i32, days: i32) -> Period {
        Period { from: today - days + 1, to: today }
    }

    /// The twelve months up to `today` (from the same day a year ago, the next day).
    pub fn last_year(today: i32) -> Period {
        let d = date_of_day(today);
        let start = add_months(Date { y: d.y - 1, ..d }, 0);
        Period { from: day_of_date(start) + 1, to: today }
    }

    /// Days up to two months, months beyond.
    pub fn grain(&self) -> Grain {
        if self.to - self.from < 62 { Grain::Day } else { Grain::Month }
    }

    /// The buckets: (first day, last day, label).
    pub fn buckets(&self) -> Vec<(i32, i32, String)> {
        match self.grain() {
            Grain::Day => (self.from..=self.to)
                .map(|day| {
                    let d = date_of_day(day);
                    (day, day, format!("{:02}/{:02}", d.d, d.m))
                })
                .collect(),
            Grain::Month => {
                let mut out = Vec::new();
                let mut start = self.from;
                while start <= self.to {
                    let d = date_of_day(start);
                    let next = day_of_date(add_months(Date { d: 1, ..d }, 1));
                    let end = (next - 1).min(self.to);
                    out.push((start, end, format!("{:02}/{}", d.m, d.y)));
                    start = next;
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_months_clamp() {
        assert_eq!(iso(0), "1970-01-01");
        assert_eq!(parse_iso("2026-12-02").map(iso).as_deref(), Some("2026-12-02"));
        assert_eq!(parse_iso("2024-02-29").map(iso).as_deref(), Some("2024-02-29"));
        assert_eq!(parse_iso("2025-02-29"), None);
        assert_eq!(parse_iso("2026-13-01"), None);
        assert_eq!(parse_iso("<script>"), None);
        assert_eq!(add_months(Date { y: 2026, m: 1, d: 31 }, 1), Date { y: 2026, m: 2, d: 28 });
        assert_eq!(add_months(Date { y: 2026, m: 12, d: 15 }, 1), Date { y: 2027, m: 1, d: 15 });
    }

    #[test]
    fn periods_cut_into_days_or_months() {
        let today = parse_iso("2026-12-02").unwrap();
        let week = Period::last_days(today, 7);
        assert_eq!(week.buckets().len(), 7);
        assert_eq!(week.buckets()[6].2, "02/12");
        let year = Period::last_year(today);
        assert_eq!(iso(year.from), "2025-12-03");
        let months = year.buckets();
        assert_eq!(months.len(), 13, "{months:?}");
        assert_eq!(months[0].2, "12/2025");
        assert_eq!(iso(months[0].1), "2025-12-31");
        assert_eq!(months[12].2, "12/2026");
        assert_eq!(iso(months[12].1), "2026-12-02");
    }
}
