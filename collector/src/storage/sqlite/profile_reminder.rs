//! The profile reminder's SQL for SQLite (migration `0006_profile_reminder.sql`), run on the store's connection,
//! inside its transaction.

use super::{SqliteStore, db};
use crate::storage::StoreError;
use rusqlite::{OptionalExtension, params};

/// Takes the subject's reminder for `now` unless one was taken after `not_after` or they opted out: `true` if
/// taken. One statement, so that two collectors on one database cannot both take it.
pub fn claim(
    store: &mut SqliteStore,
    site: &str,
    subject_id: &str,
    now: i64,
    not_after: i64,
) -> Result<bool, StoreError> {
    let n = store
        .conn
        .execute(
            "INSERT INTO profile_reminders (site, subject_id, last_sent_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (site, subject_id) DO UPDATE SET last_sent_at = excluded.last_sent_at \
             WHERE profile_reminders.opted_out_at IS NULL \
             AND (profile_reminders.last_sent_at IS NULL OR profile_reminders.last_sent_at <= ?4)",
            params![site, subject_id, now, not_after],
        )
        .map_err(db)?;
    Ok(n == 1)
}

/// Records the opt-out: `false` if it was already recorded.
pub fn opt_out(store: &mut SqliteStore, site: &str, subject_id: &str, now: i64) -> Result<bool, StoreError> {
    let n = store
        .conn
        .execute(
            "INSERT INTO profile_reminders (site, subject_id, opted_out_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (site, subject_id) DO UPDATE SET opted_out_at = excluded.opted_out_at \
             WHERE profile_reminders.opted_out_at IS NULL",
            params![site, subject_id, now],
        )
        .map_err(db)?;
    Ok(n == 1)
}

/// When the subject opted out, if they did.
pub fn opted_out_at(store: &mut SqliteStore, site: &str, subject_id: &str) -> Result<Option<i64>, StoreError> {
    store
        .conn
        .query_row(
            "SELECT opted_out_at FROM profile_reminders WHERE site = ?1 AND subject_id = ?2",
            params![site, subject_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()
        .map(Option::flatten)
        .map_err(db)
}
