//! Campaigns' SQL for PostgreSQL (migration `0003_campaigns.sql`): the same tables and semantics as
//! `sqlite/campaign.rs`, run on the store's connection, inside its transaction.

use super::{PostgresStore, corrupt};
use crate::campaign::store::{CampaignRow, RecipientRow, StateCount};
use crate::storage::StoreError;
use postgres::Row;

macro_rules! campaign_columns {
    () => {
        "campaign_id, site, audience, subject_line, template, template_sha256, rate_per_minute, created_by, created_at"
    };
}

macro_rules! recipient_columns {
    () => {
        "id, campaign_id, subject_id, record_id, email_sha256, state, attempts, next_attempt_at, lease_until, \
         outcome, updated_at"
    };
}

fn campaign_from_row(r: &Row) -> Result<CampaignRow, StoreError> {
    Ok(CampaignRow {
        campaign_id: r.try_get(0).map_err(corrupt)?,
        site: r.try_get(1).map_err(corrupt)?,
        audience: r.try_get(2).map_err(corrupt)?,
        subject_line: r.try_get(3).map_err(corrupt)?,
        template: r.try_get(4).map_err(corrupt)?,
        template_sha256: r.try_get(5).map_err(corrupt)?,
        rate_per_minute: r.try_get(6).map_err(corrupt)?,
        created_by: r.try_get(7).map_err(corrupt)?,
        created_at: r.try_get(8).map_err(corrupt)?,
    })
}

fn recipient_from_row(r: &Row) -> Result<RecipientRow, StoreError> {
    Ok(RecipientRow {
        id: r.try_get(0).map_err(corrupt)?,
        campaign_id: r.try_get(1).map_err(corrupt)?,
        subject_id: r.try_get(2).map_err(corrupt)?,
        record_id: r.try_get(3).map_err(corrupt)?,
        email_sha256: r.try_get(4).map_err(corrupt)?,
        state: r.try_get(5).map_err(corrupt)?,
        attempts: r.try_get::<_, i32>(6).map_err(corrupt)?.unsigned_abs(),
        next_attempt_at: r.try_get(7).map_err(corrupt)?,
        lease_until: r.try_get(8).map_err(corrupt)?,
        outcome: r.try_get(9).map_err(corrupt)?,
        updated_at: r.try_get(10).map_err(corrupt)?,
    })
}

/// Inserts a campaign.
pub fn insert_campaign(store: &mut PostgresStore, c: &CampaignRow) -> Result<(), StoreError> {
    store.execute(
        concat!("INSERT INTO campaigns (", campaign_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        &[
            &c.campaign_id,
            &c.site,
            &c.audience,
            &c.subject_line,
            &c.template,
            &c.template_sha256,
            &c.rate_per_minute,
            &c.created_by,
            &c.created_at,
        ],
    )?;
    Ok(())
}

/// A campaign by id.
pub fn campaign(store: &mut PostgresStore, id: &str) -> Result<Option<CampaignRow>, StoreError> {
    let row =
        store.query_opt(concat!("SELECT ", campaign_columns!(), " FROM campaigns WHERE campaign_id = $1"), &[&id])?;
    row.as_ref().map(campaign_from_row).transpose()
}

/// A site's campaigns, newest first.
pub fn campaigns_of_site(store: &mut PostgresStore, site: &str) -> Result<Vec<CampaignRow>, StoreError> {
    let rows = store.query(
        concat!(
            "SELECT ",
            campaign_columns!(),
            " FROM campaigns WHERE site = $1 ORDER BY created_at DESC, campaign_id DESC"
        ),
        &[&site],
    )?;
    rows.iter().map(campaign_from_row).collect()
}

/// Queues one recipient (`false` if the campaign already has them).
pub fn insert_recipient(
    store: &mut PostgresStore,
    campaign_id: &str,
    subject_id: &str,
    record_id: &str,
    email_sha256: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = store.execute(
        "INSERT INTO campaign_recipients (campaign_id, subject_id, record_id, email_sha256, state, attempts, \
         next_attempt_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5) \
         ON CONFLICT (campaign_id, subject_id) DO NOTHING",
        &[&campaign_id, &subject_id, &record_id, &email_sha256, &now],
    )?;
    Ok(n == 1)
}

/// Claims the oldest recipient due at `now`: `sending`, leased until `lease_until`. SKIP LOCKED: senders in
/// several processes never wait for, nor take, a row another one is claiming.
pub fn claim_recipient(
    store: &mut PostgresStore,
    campaign_id: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<RecipientRow>, StoreError> {
    let row = store.query_opt(
        concat!(
            "UPDATE campaign_recipients SET state = 'sending', lease_until = $3, attempts = attempts + 1, \
             updated_at = $2 WHERE id = (SELECT id FROM campaign_recipients WHERE campaign_id = $1 AND \
             state = 'queued' AND next_attempt_at <= $2 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ",
            recipient_columns!()
        ),
        &[&campaign_id, &now, &lease_until],
    )?;
    row.as_ref().map(recipient_from_row).transpose()
}

/// Ends a recipient's row: `sent`, `bounced`, `skipped` or `failed`, with what happened (no address).
pub fn finish_recipient(
    store: &mut PostgresStore,
    id: i64,
    state: &str,
    outcome: &str,
    now: i64,
) -> Result<(), StoreError> {
    store.execute(
        "UPDATE campaign_recipients SET state = $2, outcome = $3, lease_until = NULL, updated_at = $4 WHERE id = $1",
        &[&id, &state, &outcome, &now],
    )?;
    Ok(())
}

/// Puts a recipient back in the queue for another attempt at `next_attempt_at`.
pub fn retry_recipient(
    store: &mut PostgresStore,
    id: i64,
    next_attempt_at: i64,
    outcome: &str,
    now: i64,
) -> Result<(), StoreError> {
    store.execute(
        "UPDATE campaign_recipients SET state = 'queued', next_attempt_at = $2, outcome = $3, lease_until = NULL, \
         updated_at = $4 WHERE id = $1",
        &[&id, &next_attempt_at, &outcome, &now],
    )?;
    Ok(())
}

/// Turns the `sending` rows whose lease ran out into `uncertain` (never sent again); returns how many.
pub fn expire_leases(store: &mut PostgresStore, campaign_id: &str, now: i64) -> Result<u64, StoreError> {
    store.execute(
        "UPDATE campaign_recipients SET state = 'uncertain', lease_until = NULL, updated_at = $2, \
         outcome = 'interrupted between the claim and the SMTP answer; not sent again' \
         WHERE campaign_id = $1 AND state = 'sending' AND lease_until < $2",
        &[&campaign_id, &now],
    )
}

/// The earliest attempt still queued, if any.
pub fn next_due(store: &mut PostgresStore, campaign_id: &str) -> Result<Option<i64>, StoreError> {
    let row = store.query_opt(
        "SELECT min(next_attempt_at) FROM campaign_recipients WHERE campaign_id = $1 AND state = 'queued'",
        &[&campaign_id],
    )?;
    Ok(row.map(|r| r.try_get::<_, Option<i64>>(0).map_err(corrupt)).transpose()?.flatten())
}

/// One recipient row.
pub fn recipient(store: &mut PostgresStore, id: i64) -> Result<Option<RecipientRow>, StoreError> {
    let row =
        store.query_opt(concat!("SELECT ", recipient_columns!(), " FROM campaign_recipients WHERE id = $1"), &[&id])?;
    row.as_ref().map(recipient_from_row).transpose()
}

/// Every recipient of a campaign, in queue order.
pub fn recipients_of(store: &mut PostgresStore, campaign_id: &str) -> Result<Vec<RecipientRow>, StoreError> {
    let rows = store.query(
        concat!("SELECT ", recipient_columns!(), " FROM campaign_recipients WHERE campaign_id = $1 ORDER BY id"),
        &[&campaign_id],
    )?;
    rows.iter().map(recipient_from_row).collect()
}

/// How many recipients stand in each state (and, for `skipped`, why).
pub fn state_counts(store: &mut PostgresStore, campaign_id: &str, now: i64) -> Result<Vec<StateCount>, StoreError> {
    let rows = store.query(
        "SELECT CASE WHEN state = 'sending' AND lease_until < $2 THEN 'uncertain' ELSE state END, \
         CASE WHEN state = 'skipped' THEN outcome ELSE NULL END, count(*) FROM campaign_recipients \
         WHERE campaign_id = $1 GROUP BY 1, 2 ORDER BY 1, 2",
        &[&campaign_id, &now],
    )?;
    rows.iter()
        .map(|r| {
            Ok(StateCount {
                state: r.try_get(0).map_err(corrupt)?,
                reason: r.try_get(1).map_err(corrupt)?,
                count: r.try_get::<_, i64>(2).map_err(corrupt)?.unsigned_abs(),
            })
        })
        .collect()
}

/// Records an objection; `false` if one was already held for this address and basis.
pub fn put_objection(
    store: &mut PostgresStore,
    site: &str,
    email_sha256: &str,
    basis: &str,
    subject_id: &str,
    campaign_id: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = store.execute(
        "INSERT INTO objections (site, email_sha256, basis, subject_id, campaign_id, objected_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site, email_sha256, basis) DO NOTHING",
        &[&site, &email_sha256, &basis, &subject_id, &campaign_id, &now],
    )?;
    Ok(n == 1)
}

/// Whether this address objected to messages of this basis.
pub fn is_objected(store: &mut PostgresStore, site: &str, email_sha256: &str, basis: &str) -> Result<bool, StoreError> {
    let row = store.query_opt(
        "SELECT 1 FROM objections WHERE site = $1 AND email_sha256 = $2 AND basis = $3",
        &[&site, &email_sha256, &basis],
    )?;
    Ok(row.is_some())
}

/// How many objections a campaign's messages brought.
pub fn objections_of_campaign(store: &mut PostgresStore, campaign_id: &str) -> Result<u64, StoreError> {
    let row = store.query_opt("SELECT count(*) FROM objections WHERE campaign_id = $1", &[&campaign_id])?;
    Ok(row.map(|r| r.try_get::<_, i64>(0).map_err(corrupt)).transpose()?.unwrap_or(0).unsigned_abs())
}

/// Marks an address undeliverable (a permanent SMTP refusal); the first reason stays.
pub fn put_undeliverable(
    store: &mut PostgresStore,
    site: &str,
    email_sha256: &str,
    reason: &str,
    now: i64,
) -> Result<(), StoreError> {
    store.execute(
        "INSERT INTO undeliverable (site, email_sha256, reason, marked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (site, email_sha256) DO NOTHING",
        &[&site, &email_sha256, &reason, &now],
    )?;
    Ok(())
}

/// Whether an SMTP server refused this address for good.
pub fn is_undeliverable(store: &mut PostgresStore, site: &str, email_sha256: &str) -> Result<bool, StoreError> {
    let row = store
        .query_opt("SELECT 1 FROM undeliverable WHERE site = $1 AND email_sha256 = $2", &[&site, &email_sha256])?;
    Ok(row.is_some())
}
