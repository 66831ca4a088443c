//! Campaigns' SQL for SQLite: the campaigns, their durable queue of recipients, objections and undeliverable
//! addresses (migration `0004_campaigns.sql`). Run on the store's own connection, inside its transaction.

use super::{SqliteStore, db};
use crate::campaign::store::{CampaignRow, RecipientRow, StateCount};
use crate::storage::StoreError;
use rusqlite::{OptionalExtension, Row, params};

const CAMPAIGN_COLUMNS: &str = "campaign_id, site, audience, subject_line, template, template_sha256, rate_per_minute, \
                                created_by, created_at";

fn campaign_from_row(r: &Row<'_>) -> rusqlite::Result<CampaignRow> {
    Ok(CampaignRow {
        campaign_id: r.get(0)?,
        site: r.get(1)?,
        audience: r.get(2)?,
        subject_line: r.get(3)?,
        template: r.get(4)?,
        template_sha256: r.get(5)?,
        rate_per_minute: r.get(6)?,
        created_by: r.get(7)?,
        created_at: r.get(8)?,
    })
}

const RECIPIENT_COLUMNS: &str = "id, campaign_id, subject_id, record_id, email_sha256, state, attempts, \
                                 next_attempt_at, lease_until, outcome, updated_at";

fn recipient_from_row(r: &Row<'_>) -> rusqlite::Result<RecipientRow> {
    Ok(RecipientRow {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        subject_id: r.get(2)?,
        record_id: r.get(3)?,
        email_sha256: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        lease_until: r.get(8)?,
        outcome: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

/// Inserts a campaign.
pub fn insert_campaign(store: &mut SqliteStore, c: &CampaignRow) -> Result<(), StoreError> {
    store
        .conn
        .execute(
            &format!("INSERT INTO campaigns ({CAMPAIGN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
            params![
                c.campaign_id,
                c.site,
                c.audience,
                c.subject_line,
                c.template,
                c.template_sha256,
                c.rate_per_minute,
                c.created_by,
                c.created_at
            ],
        )
        .map(drop)
        .map_err(db)
}

/// A campaign by id.
pub fn campaign(store: &mut SqliteStore, id: &str) -> Result<Option<CampaignRow>, StoreError> {
    store
        .conn
        .query_row(&format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE campaign_id = ?1"), [id], campaign_from_row)
        .optional()
        .map_err(db)
}

/// A site's campaigns, newest first.
pub fn campaigns_of_site(store: &mut SqliteStore, site: &str) -> Result<Vec<CampaignRow>, StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE site = ?1 ORDER BY created_at DESC, campaign_id DESC"
        ))
        .map_err(db)?;
    let rows = stmt.query_map([site], campaign_from_row).map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// Queues one recipient (`false` if the campaign already has them).
pub fn insert_recipient(
    store: &mut SqliteStore,
    campaign_id: &str,
    subject_id: &str,
    record_id: &str,
    email_sha256: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached(
            "INSERT OR IGNORE INTO campaign_recipients (campaign_id, subject_id, record_id, email_sha256, state, \
             attempts, next_attempt_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?5, ?5)",
        )
        .map_err(db)?;
    Ok(stmt.execute(params![campaign_id, subject_id, record_id, email_sha256, now]).map_err(db)? == 1)
}

/// Claims the oldest recipient due at `now`: `sending`, leased until `lease_until`.
pub fn claim_recipient(
    store: &mut SqliteStore,
    campaign_id: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<RecipientRow>, StoreError> {
    // The caller's transaction holds SQLite's write lock: no other sender can claim the same row meanwhile.
    let mut stmt = store
        .conn
        .prepare_cached(&format!(
            "UPDATE campaign_recipients SET state = 'sending', lease_until = ?3, attempts = attempts + 1, \
             updated_at = ?2 WHERE id = (SELECT id FROM campaign_recipients WHERE campaign_id = ?1 AND \
             state = 'queued' AND next_attempt_at <= ?2 ORDER BY id LIMIT 1) RETURNING {RECIPIENT_COLUMNS}"
        ))
        .map_err(db)?;
    stmt.query_row(params![campaign_id, now, lease_until], recipient_from_row).optional().map_err(db)
}

/// Ends a recipient's row: `sent`, `bounced`, `skipped` or `failed`, with what happened (no address).
pub fn finish_recipient(
    store: &mut SqliteStore,
    id: i64,
    state: &str,
    outcome: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached(
            "UPDATE campaign_recipients SET state = ?2, outcome = ?3, lease_until = NULL, updated_at = ?4 WHERE id = ?1",
        )
        .map_err(db)?;
    stmt.execute(params![id, state, outcome, now]).map(drop).map_err(db)
}

/// Puts a recipient back in the queue for another attempt at `next_attempt_at`.
pub fn retry_recipient(
    store: &mut SqliteStore,
    id: i64,
    next_attempt_at: i64,
    outcome: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached(
            "UPDATE campaign_recipients SET state = 'queued', next_attempt_at = ?2, outcome = ?3, lease_until = NULL, \
             updated_at = ?4 WHERE id = ?1",
        )
        .map_err(db)?;
    stmt.execute(params![id, next_attempt_at, outcome, now]).map(drop).map_err(db)
}

/// Turns the `sending` rows whose lease ran out into `uncertain` (never sent again); returns how many.
pub fn expire_leases(store: &mut SqliteStore, campaign_id: &str, now: i64) -> Result<u64, StoreError> {
    let n = store
        .conn
        .execute(
            "UPDATE campaign_recipients SET state = 'uncertain', lease_until = NULL, updated_at = ?2, \
             outcome = 'interrupted between the claim and the SMTP answer; not sent again' \
             WHERE campaign_id = ?1 AND state = 'sending' AND lease_until < ?2",
            params![campaign_id, now],
        )
        .map_err(db)?;
    Ok(n as u64)
}

/// The earliest attempt still queued, if any.
pub fn next_due(store: &mut SqliteStore, campaign_id: &str) -> Result<Option<i64>, StoreError> {
    store
        .conn
        .query_row(
            "SELECT min(next_attempt_at) FROM campaign_recipients WHERE campaign_id = ?1 AND state = 'queued'",
            [campaign_id],
            |r| r.get(0),
        )
        .map_err(db)
}

/// One recipient row.
pub fn recipient(store: &mut SqliteStore, id: i64) -> Result<Option<RecipientRow>, StoreError> {
    store
        .conn
        .query_row(
            &format!("SELECT {RECIPIENT_COLUMNS} FROM campaign_recipients WHERE id = ?1"),
            [id],
            recipient_from_row,
        )
        .optional()
        .map_err(db)
}

/// Every recipient of a campaign, in queue order.
pub fn recipients_of(store: &mut SqliteStore, campaign_id: &str) -> Result<Vec<RecipientRow>, StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached(&format!(
            "SELECT {RECIPIENT_COLUMNS} FROM campaign_recipients WHERE campaign_id = ?1 ORDER BY id"
        ))
        .map_err(db)?;
    let rows = stmt.query_map([campaign_id], recipient_from_row).map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// How many recipients stand in each state (and, for `skipped`, why).
pub fn state_counts(store: &mut SqliteStore, campaign_id: &str, now: i64) -> Result<Vec<StateCount>, StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached(
            "SELECT CASE WHEN state = 'sending' AND lease_until < ?2 THEN 'uncertain' ELSE state END, \
             CASE WHEN state = 'skipped' THEN outcome ELSE NULL END, count(*) FROM campaign_recipients \
             WHERE campaign_id = ?1 GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![campaign_id, now], |r| {
            Ok(StateCount { state: r.get(0)?, reason: r.get(1)?, count: r.get::<_, i64>(2)?.unsigned_abs() })
        })
        .map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// Records an objection; `false` if one was already held for this address and basis.
pub fn put_objection(
    store: &mut SqliteStore,
    site: &str,
    email_sha256: &str,
    basis: &str,
    subject_id: &str,
    campaign_id: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = store
        .conn
        .execute(
            "INSERT OR IGNORE INTO objections (site, email_sha256, basis, subject_id, campaign_id, objected_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![site, email_sha256, basis, subject_id, campaign_id, now],
        )
        .map_err(db)?;
    Ok(n == 1)
}

/// Whether this address objected to messages of this basis.
pub fn is_objected(store: &mut SqliteStore, site: &str, email_sha256: &str, basis: &str) -> Result<bool, StoreError> {
    let mut stmt = store
        .conn
        .prepare_cached("SELECT 1 FROM objections WHERE site = ?1 AND email_sha256 = ?2 AND basis = ?3")
        .map_err(db)?;
    stmt.exists(params![site, email_sha256, basis]).map_err(db)
}

/// How many objections a campaign's messages brought.
pub fn objections_of_campaign(store: &mut SqliteStore, campaign_id: &str) -> Result<u64, StoreError> {
    store
        .conn
        .query_row("SELECT count(*) FROM objections WHERE campaign_id = ?1", [campaign_id], |r| r.get::<_, i64>(0))
        .map(i64::unsigned_abs)
        .map_err(db)
}

/// Marks an address undeliverable (a permanent SMTP refusal); the first reason stays.
pub fn put_undeliverable(
    store: &mut SqliteStore,
    site: &str,
    email_sha256: &str,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    store
        .conn
        .execute(
            "INSERT OR IGNORE INTO undeliverable (site, email_sha256, reason, marked_at) VALUES (?1, ?2, ?3, ?4)",
            params![site, email_sha256, reason, now],
        )
        .map(drop)
        .map_err(db)
}

/// Whether an SMTP server refused this address for good.
pub fn is_undeliverable(store: &mut SqliteStore, site: &str, email_sha256: &str) -> Result<bool, StoreError> {
    let mut stmt =
        store.conn.prepare_cached("SELECT 1 FROM undeliverable WHERE site = ?1 AND email_sha256 = ?2").map_err(db)?;
    stmt.exists(params![site, email_sha256]).map_err(db)
}
