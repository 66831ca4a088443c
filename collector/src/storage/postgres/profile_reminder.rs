//! The profile reminder's SQL for PostgreSQL (migration `0005_profile_reminder.sql`): the same table and
//! semantics as `sqlite/profile_reminder.rs`, run on the store's connection, inside its transaction.

use super::{PostgresStore, corrupt};
use crate::storage::StoreError;

/// Takes the subject's reminder for `now` unless one was taken after `not_after` or they opted out: `true` if
/// taken. One upsert: a second collector's concurrent one waits for the row, sees it taken and takes nothing.
pub fn claim(
    store: &mut PostgresStore,
    site: &str,
    subject_id: &str,
    now: i64,
    not_after: i64,
) -> Result<bool, StoreError> {
    let n = store.execute(
        "INSERT INTO profile_reminders (site, subject_id, last_sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (site, subject_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at \
         WHERE profile_reminders.opted_out_at IS NULL \
         AND (profile_reminders.last_sent_at IS NULL OR profile_reminders.last_sent_at <= $4)",
        &[&site, &subject_id, &now, &not_after],
    )?;
    Ok(n == 1)
}

/// Records the opt-out: `false` if it was already recorded.
pub fn opt_out(store: &mut PostgresStore, site: &str, subject_id: &str, now: i64) -> Result<bool, StoreError> {
    let n = store.execute(
        "INSERT INTO profile_reminders (site, subject_id, opted_out_at) VALUES ($1, $2, $3) \
         ON CONFLICT (site, subject_id) DO UPDATE SET opted_out_at = EXCLUDED.opted_out_at \
         WHERE profile_reminders.opted_out_at IS NULL",
        &[&site, &subject_id, &now],
    )?;
    Ok(n == 1)
}

/// When the subject opted out, if they did.
pub fn opted_out_at(store: &mut PostgresStore, site: &str, subject_id: &str) -> Result<Option<i64>, StoreError> {
    let row = store.query_opt(
        "SELECT opted_out_at FROM profile_reminders WHERE site = $1 AND subject_id = $2",
        &[&site, &subject_id],
    )?;
    row.map_or(Ok(None), |r| r.try_get::<_, Option<i64>>(0).map_err(corrupt))
}
