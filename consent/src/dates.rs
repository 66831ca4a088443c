//! Dates and times for people: in the page's language and the site's time zone, `2 décembre 2026 à 20 h 42`
//! or `2 December 2026 at 20:42`. Machine formats (RFC 3339 UTC in JSON, the ledger, CSV) do not go through
//! here. The time-zone rules are the IANA database compiled into the program (no file is read), so a date reads
//! the same on every machine.

use crate::locale::Locale;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The time zone of a site that names none.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Paris";

/// A time-zone name that the IANA database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{0}`")]
pub struct UnknownTimeZone(pub String);

/// A site's time zone, by its IANA name.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::named(DEFAULT_TIME_ZONE).unwrap_or_else(|_| Zone { name: "UTC".into(), tz: TimeZone::UTC })
    }
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

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Zone {
    /// The zone of an IANA name such as `Europe/Paris` or `America/Montreal`.
    pub fn named(name: &str) -> Result<Zone, UnknownTimeZone> {
        let tz = jiff::tz::db().get(name).map_err(|_| UnknownTimeZone(name.to_owned()))?;
        Ok(Zone { name: name.to_owned(), tz })
    }

    /// Its IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A moment (Unix ms) as people write it in `locale`, in this zone: `2 décembre 2026 à 20 h 42`,
    /// `1er mars 2026 à 9 h 05`, `2 December 2026 at 20:42`. Outside the representable range: the number.
    pub fn date_time(&self, unix_ms: i64, locale: Locale) -> String {
        let Some(local) = self.local(unix_ms) else { return unix_ms.to_string() };
        let (hour, minute) = (local.hour(), local.minute());
        match locale {
            Locale::Fr => format!("{} à {hour} h {minute:02}", date_of(&local, locale)),
            Locale::En => format!("{} at {hour:02}:{minute:02}", date_of(&local, locale)),
        }
    }

    /// A day (Unix ms) as people write it in `locale`, in this zone: `2 décembre 2026`, `2 December 2026`.
    pub fn date(&self, unix_ms: i64, locale: Locale) -> String {
        self.local(unix_ms).map_or_else(|| unix_ms.to_string(), |local| date_of(&local, locale))
    }

    fn local(&self, unix_ms: i64) -> Option<jiff::ZonedDateTime> {
        Some(Timestamp::from_millisecond(unix_ms).ok()?.to_zoned_datetime(self.tz.clone()))
    }
}

/// A month's name (1–12) in `locale`, lowercase in French as French writes it.
pub fn month_name(month: i8, locale: Locale) -> &'static str {
    let names = match locale {
        Locale::Fr => &MONTHS_FR,
        Locale::En => &MONTHS_EN,
    };
    usize::try_from(month - 1).ok().and_then(|i| names.get(i)).copied().unwrap_or_default()
}

fn date_of(local: &jiff::ZonedDateTime, locale: Locale) -> String {
    let (day, month, year) = (local.day(), month_name(local.month(), locale), local.year());
    match locale {
        Locale::Fr if day == 1 => format!("1er {month} {year}"),
        _ => format!("{day} {month} {year}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms of an RFC 3339 UTC time.
    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_moment_is_written_in_the_page_language_and_the_site_zone() {
        let paris = Zone::named("Europe/Paris").unwrap();
        let at = ms("2026-12-02T19:42:18.865Z");
        assert_eq!(paris.date_time(at, Locale::Fr), "2 décembre 2026 à 20 h 42");
        assert_eq!(paris.date_time(at, Locale::En), "2 December 2026 at 20:42");
        assert_eq!(paris.date(at, Locale::Fr), "2 décembre 2026");
        assert_eq!(paris.date(at, Locale::En), "2 December 2026");
        assert_eq!(paris.date_time(ms("2026-02-28T23:05:00Z"), Locale::Fr), "1er mars 2026 à 0 h 05");
        assert_eq!(paris.date_time(ms("2026-07-14T07:05:00Z"), Locale::En), "14 July 2026 at 09:05");
        let montreal = Zone::named("America/Montreal").unwrap();
        assert_eq!(montreal.date_time(at, Locale::Fr), "2 décembre 2026 à 14 h 42");
        assert_eq!(Zone::default().name(), "Europe/Paris");
        assert_eq!(
            (month_name(8, Locale::Fr), month_name(8, Locale::En), month_name(13, Locale::Fr)),
            ("août", "August", "")
        );
    }

    #[test]
    fn summer_time_starts_and_ends_on_the_right_minute() {
        let paris = Zone::named("Europe/Paris").unwrap();
        // 29 March 2026: at 01:00 UTC, 02:00 local becomes 03:00 (UTC+1 → UTC+2).
        assert_eq!(paris.date_time(ms("2026-03-29T00:59:00Z"), Locale::Fr), "29 mars 2026 à 1 h 59");
        assert_eq!(paris.date_time(ms("2026-03-29T01:00:00Z"), Locale::Fr), "29 mars 2026 à 3 h 00");
        // 25 October 2026: at 01:00 UTC, 03:00 local becomes 02:00 again (UTC+2 → UTC+1).
        assert_eq!(paris.date_time(ms("2026-10-25T00:59:00Z"), Locale::En), "25 October 2026 at 02:59");
        assert_eq!(paris.date_time(ms("2026-10-25T01:00:00Z"), Locale::En), "25 October 2026 at 02:00");
        // A day near midnight UTC belongs to the local day.
        assert_eq!(paris.date(ms("2026-12-31T23:30:00Z"), Locale::Fr), "1er janvier 2027");
    }

    #[test]
    fn an_unknown_zone_is_refused_by_name() {
        assert_eq!(Zone::named("Europe/Pariss"), Err(UnknownTimeZone("Europe/Pariss".into())));
        assert!(Zone::named("").is_err());
    }
}
