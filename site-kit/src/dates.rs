//! Dates of articles: TOML dates in the front matter, shown in French, written as RFC 3339 in feeds.

use toml::value::Datetime;

/// A publication date.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// RFC 3339 form, also the sort key (`2026-03-14T00:00:00Z`).
    pub rfc3339: String,
    /// Year.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

impl Date {
    /// The date of a TOML date or date-time; `None` for a bare time.
    pub fn from_toml(dt: &Datetime) -> Option<Date> {
        let d = dt.date?;
        let rfc3339 = match (dt.time, dt.offset) {
            (None, _) => format!("{d}T00:00:00Z"),
            // A local date-time is read as UTC: a feed needs an offset and the site has no time zone setting.
            (Some(t), None) => format!("{d}T{t}Z"),
            (Some(_), Some(_)) => dt.to_string().replacen(' ', "T", 1),
        };
        Some(Date { rfc3339, year: d.year, month: d.month, day: d.day })
    }

    /// `14 mars 2026`.
    pub fn french(&self) -> String {
        let month = MONTHS_FR.get(usize::from(self.month).saturating_sub(1)).copied().unwrap_or("");
        let day = if self.day == 1 { "1er".to_owned() } else { self.day.to_string() };
        format!("{day}\u{a0}{month} {}", self.year)
    }

    /// `2026-03-14`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_dates_become_rfc3339_and_french() {
        let dt: Datetime = "2026-03-01".parse().unwrap();
        let d = Date::from_toml(&dt).unwrap();
        assert_eq!(d.rfc3339, "2026-03-01T00:00:00Z");
        assert_eq!(d.french(), "1er\u{a0}mars 2026");
        let dt: Datetime = "2026-03-14T18:30:00+01:00".parse().unwrap();
        assert_eq!(Date::from_toml(&dt).unwrap().rfc3339, "2026-03-14T18:30:00+01:00");
    }
}
