//! Campaigns: the messages a school sends its graduates under soft opt-in (CPCE L.34-5: services analogous to
//! its programmes — the alumni network — unless they object), or to the people whose consent from before is to
//! reconfirm.
//!
//! [`template`] checks and renders the Markdown; [`audience`] says who may be written to, and refuses what the
//! regime forbids (an autonomous association may not write to ask for consent); [`message`] composes each
//! email with the controller's identity, why the person receives it, the one-click objection (RFC 8058) and
//! their manage link; [`deliver`] drains the campaign's durable queue — at most one copy per person, even across
//! a `kill -9` — with throttling, retries and bounces; [`report`] counts what happened. Objections are recorded
//! by `routes::objection` through [`crate::ledger::Ledger::object`]; [`store`] holds the SQL's entry points.

pub mod audience;
pub mod console_api;
pub mod deliver;
pub mod message;
pub mod report;
pub mod smtp;
pub mod store;
pub mod template;
pub mod token;

use crate::storage::{Store, StoreError};

/// Whether an SMTP server refused `email` for good on `site` (a 5xx answer to any email of the collector): no
/// email goes to it again. For every sender of the collector (the mail queue, campaigns, profile reminders).
pub fn is_undeliverable(store: &mut dyn Store, site: &str, email: &str) -> Result<bool, StoreError> {
    store::is_undeliverable(store, site, &store::email_key(email))
}

/// Marks `email` undeliverable on `site`; `reason` is the SMTP answer with addresses redacted.
pub fn mark_undeliverable(
    store: &mut dyn Store,
    site: &str,
    email: &str,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    store::put_undeliverable(store, site, &store::email_key(email), reason, now)
}

/// Whether `email` objected on `site` to the messages of `basis` (`soft_opt_in` or `legacy`).
pub fn has_objected(store: &mut dyn Store, site: &str, email: &str, basis: &str) -> Result<bool, StoreError> {
    store::is_objected(store, site, &store::email_key(email), basis)
}

/// A pace as written on the command line — `60/min`, `2/s`, `500/h`, or `0` for none — in messages per minute.
pub fn parse_rate(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "--rate « {text} » : écrivez N/min, N/s ou N/h (0 : sans limite), par exemple 60/min — write N/min, N/s \
             or N/h (0: unthrottled), e.g. 60/min"
        )
    };
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let (n, unit) = text.split_once('/').ok_or_else(bad)?;
    let n: i64 = n.trim().parse().map_err(|_| bad())?;
    if n < 0 {
        return Err(bad());
    }
    match unit.trim() {
        "min" | "m" => Ok(n),
        "s" | "sec" => n.checked_mul(60).ok_or_else(bad),
        "h" => Ok((n / 60).max(i64::from(n > 0))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_read_as_people_write_them() {
        assert_eq!(parse_rate("60/min"), Ok(60));
        assert_eq!(parse_rate("5/s"), Ok(300));
        assert_eq!(parse_rate("600/h"), Ok(10));
        assert_eq!(parse_rate("0"), Ok(0));
        assert!(parse_rate("fast").unwrap_err().contains("N/min"));
        assert!(parse_rate("-3/min").is_err());
    }
}
