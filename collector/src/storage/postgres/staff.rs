//! The staff console's SQL for PostgreSQL: the same functions as [`crate::storage::sqlite::staff`], on the
//! tables of `migrations/0002_staff.sql`, on the console's own connections.

use super::db;
use crate::staff::accounts::{Account, Role};
use crate::staff::db::{SessionRow, TokenRow};
use crate::storage::StoreError;
use consent::Locale;
use postgres::{Client, GenericClient, Row};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The advisory lock appends to the audit chain take in turns (an arbitrary constant: "staffaud" in ASCII).
const AUDIT_LOCK: i64 = 0x7374_6166_6661_7564;

/// Opens one more connection to the database a `postgres://` URL names (already migrated by the ledger's store).
pub fn connect(url: &str) -> Result<Client, StoreError> {
    let mut target = super::parse_url(url)?;
    // Told apart from the ledger writer's connection in `pg_stat_activity`.
    target.config.application_name("alumni-consent-collector-staff");
    super::connect(&target)
}

macro_rules! account_select {
    ($rest:literal) => {
        concat!(
            "SELECT account_id, email, role, sites, locale, password_hash, totp_secret, totp_last_step, disabled_at, ",
            "created_at, updated_at FROM staff_accounts ",
            $rest
        )
    };
}

fn account_from_row(row: &Row) -> Result<Account, StoreError> {
    let role: String = row.try_get(2).map_err(corrupt)?;
    let sites: String = row.try_get(3).map_err(corrupt)?;
    let locale: String = row.try_get(4).map_err(corrupt)?;
    Ok(Account {
        account_id: row.try_get(0).map_err(corrupt)?,
        email: row.try_get(1).map_err(corrupt)?,
        role: Role::parse(&role).ok_or_else(|| corrupt(format!("role {role}")))?,
        sites: serde_json::from_str(&sites).map_err(corrupt)?,
        locale: Locale::from_tag(&locale),
        password_hash: row.try_get(5).map_err(corrupt)?,
        totp_secret: row.try_get(6).map_err(corrupt)?,
        totp_last_step: row.try_get(7).map_err(corrupt)?,
        disabled_at: row.try_get(8).map_err(corrupt)?,
        created_at: row.try_get(9).map_err(corrupt)?,
        updated_at: row.try_get(10).map_err(corrupt)?,
    })
}

/// The account with this (normalised) email.
pub fn account_by_email(client: &mut Client, email: &str) -> Result<Option<Account>, StoreError> {
    client
        .query_opt(account_select!("WHERE email = $1"), &[&email])
        .map_err(db)?
        .as_ref()
        .map(account_from_row)
        .transpose()
}

/// The account with this id.
pub fn account_by_id(client: &mut Client, account_id: &str) -> Result<Option<Account>, StoreError> {
    client
        .query_opt(account_select!("WHERE account_id = $1"), &[&account_id])
        .map_err(db)?
        .as_ref()
        .map(account_from_row)
        .transpose()
}

/// Every account, by email.
pub fn accounts(client: &mut Client) -> Result<Vec<Account>, StoreError> {
    client
        .query(account_select!("ORDER BY email COLLATE \"C\""), &[])
        .map_err(db)?
        .iter()
        .map(account_from_row)
        .collect()
}

/// Stores a new account; `false` when the email is taken.
pub fn insert_account(client: &mut Client, a: &Account) -> Result<bool, StoreError> {
    insert_account_on(client, a)
}

/// Stores a new account, its invitation link and the audit entry saying so, in one transaction: all or
/// nothing. `false` (and nothing stored) when the email is taken.
pub fn invite_account(
    client: &mut Client,
    a: &Account,
    t: &TokenRow,
    seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
) -> Result<bool, StoreError> {
    let mut tx = client.transaction().map_err(db)?;
    if !insert_account_on(&mut tx, a)? {
        return Ok(false);
    }
    insert_token_on(&mut tx, t)?;
    append_audit_on(&mut tx, seal)?;
    tx.commit().map_err(db)?;
    Ok(true)
}

fn insert_account_on(client: &mut impl GenericClient, a: &Account) -> Result<bool, StoreError> {
    let sites = serde_json::to_string(&a.sites).map_err(corrupt)?;
    let n = client
        .execute(
            "INSERT INTO staff_accounts (account_id, email, role, sites, locale, password_hash, totp_secret, \
             totp_last_step, disabled_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (email) DO NOTHING",
            &[
                &a.account_id,
                &a.email,
                &a.role.as_str(),
                &sites,
                &a.locale.tag(),
                &a.password_hash,
                &a.totp_secret,
                &a.totp_last_step,
                &a.disabled_at,
                &a.created_at,
                &a.updated_at,
            ],
        )
        .map_err(db)?;
    Ok(n == 1)
}

/// Writes an account's changeable fields back (not its TOTP step: see [`accept_totp_step`]).
pub fn update_account(client: &mut Client, a: &Account) -> Result<(), StoreError> {
    let sites = serde_json::to_string(&a.sites).map_err(corrupt)?;
    client
        .execute(
            "UPDATE staff_accounts SET role = $2, sites = $3, locale = $4, password_hash = $5, totp_secret = $6, \
             disabled_at = $7, updated_at = $8 WHERE account_id = $1",
            &[
                &a.account_id,
                &a.role.as_str(),
                &sites,
                &a.locale.tag(),
                &a.password_hash,
                &a.totp_secret,
                &a.disabled_at,
                &a.updated_at,
            ],
        )
        .map_err(db)?;
    Ok(())
}

/// Records that a TOTP code of `step` was used, unless one of this step or a later one already was (`false`).
pub fn accept_totp_step(client: &mut Client, account_id: &str, step: i64) -> Result<bool, StoreError> {
    let n = client
        .execute(
            "UPDATE staff_accounts SET totp_last_step = $2 WHERE account_id = $1 \
             AND (totp_last_step IS NULL OR totp_last_step < $2)",
            &[&account_id, &step],
        )
        .map_err(db)?;
    Ok(n == 1)
}

fn session_from_row(row: &Row) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        session_hash: row.try_get(0).map_err(corrupt)?,
        account_id: row.try_get(1).map_err(corrupt)?,
        stage: row.try_get(2).map_err(corrupt)?,
        csrf_token: row.try_get(3).map_err(corrupt)?,
        created_at: row.try_get(4).map_err(corrupt)?,
        last_seen_at: row.try_get(5).map_err(corrupt)?,
    })
}

/// Stores a new session.
pub fn insert_session(client: &mut Client, s: &SessionRow) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO staff_sessions (session_hash, account_id, stage, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&s.session_hash, &s.account_id, &s.stage, &s.csrf_token, &s.created_at, &s.last_seen_at],
        )
        .map_err(db)?;
    Ok(())
}

/// The session whose cookie hashes to `session_hash`.
pub fn session(client: &mut Client, session_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    client
        .query_opt(
            "SELECT session_hash, account_id, stage, csrf_token, created_at, last_seen_at FROM staff_sessions \
             WHERE session_hash = $1",
            &[&session_hash],
        )
        .map_err(db)?
        .as_ref()
        .map(session_from_row)
        .transpose()
}

/// Marks a session as used now.
pub fn touch_session(client: &mut Client, session_hash: &str, at: i64) -> Result<(), StoreError> {
    client
        .execute("UPDATE staff_sessions SET last_seen_at = $2 WHERE session_hash = $1", &[&session_hash, &at])
        .map_err(db)?;
    Ok(())
}

/// Ends one session.
pub fn delete_session(client: &mut Client, session_hash: &str) -> Result<(), StoreError> {
    client.execute("DELETE FROM staff_sessions WHERE session_hash = $1", &[&session_hash]).map_err(db)?;
    Ok(())
}

/// Ends every session of an account; how many there were.
pub fn delete_sessions_of(client: &mut Client, account_id: &str) -> Result<u64, StoreError> {
    client.execute("DELETE FROM staff_sessions WHERE account_id = $1", &[&account_id]).map_err(db)
}

/// Removes sessions idle since before `idle_before` or created before `created_before`.
pub fn prune_sessions(client: &mut Client, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
    client
        .execute(
            "DELETE FROM staff_sessions WHERE last_seen_at < $1 OR created_at < $2",
            &[&idle_before, &created_before],
        )
        .map_err(db)
}

/// Stores a one-time link, voiding the account's earlier unused links of the same purpose.
pub fn insert_token(client: &mut Client, t: &TokenRow) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(db)?;
    insert_token_on(&mut tx, t)?;
    tx.commit().map_err(db)
}

fn insert_token_on(tx: &mut impl GenericClient, t: &TokenRow) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM staff_tokens WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL",
        &[&t.account_id, &t.purpose],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO staff_tokens (token_hash, account_id, purpose, expires_at, used_at) VALUES ($1, $2, $3, $4, NULL)",
        &[&t.token_hash, &t.account_id, &t.purpose, &t.expires_at],
    )
    .map_err(db)?;
    Ok(())
}

/// The account of an unused, unexpired link of `purpose`, without using it.
pub fn peek_token(
    client: &mut Client,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    client
        .query_opt(
            "SELECT account_id FROM staff_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL \
             AND expires_at > $3",
            &[&token_hash, &purpose, &now],
        )
        .map_err(db)?
        .map(|r| r.try_get(0).map_err(corrupt))
        .transpose()
}

/// Uses a link once: the account it was for, or `None` if it is unknown, used or expired.
pub fn take_token(
    client: &mut Client,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    client
        .query_opt(
            "UPDATE staff_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL \
             AND expires_at > $3 RETURNING account_id",
            &[&token_hash, &purpose, &now],
        )
        .map_err(db)?
        .map(|r| r.try_get(0).map_err(corrupt))
        .transpose()
}

/// Appends an audit entry after the current head, under a table lock so that entries never fork.
pub fn append_audit(
    client: &mut Client,
    seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
) -> Result<u64, StoreError> {
    let mut tx = client.transaction().map_err(db)?;
    let seq = append_audit_on(&mut tx, seal)?;
    tx.commit().map_err(db)?;
    Ok(seq)
}

/// [`append_audit`] inside a transaction already open (the advisory lock is held until it ends).
fn append_audit_on(
    tx: &mut impl GenericClient,
    seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
) -> Result<u64, StoreError> {
    // Appends take turns on an advisory lock held until the commit: `LOCK TABLE … EXCLUSIVE` would need UPDATE
    // on the table, which the collector's least-privilege role (docs/operating.md) is not granted.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK]).map_err(db)?;
    let head = tx
        .query_opt("SELECT seq, hash FROM staff_audit ORDER BY seq DESC LIMIT 1", &[])
        .map_err(db)?
        .map(|r| {
            Ok::<_, StoreError>((
                r.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(),
                r.try_get(1).map_err(corrupt)?,
            ))
        })
        .transpose()?;
    let seq = head.as_ref().map_or(1, |(seq, _)| seq + 1);
    let (hash, body) = seal(head)?;
    tx.execute("INSERT INTO staff_audit (seq, hash, body) VALUES ($1, $2, $3)", &[&int(seq), &hash, &body])
        .map_err(db)?;
    Ok(seq)
}

fn audit_rows(rows: Vec<Row>) -> Result<Vec<(u64, String, String)>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(),
                r.try_get(1).map_err(corrupt)?,
                r.try_get(2).map_err(corrupt)?,
            ))
        })
        .collect()
}

/// Up to `limit` audit entries (`seq`, `hash`, `body`) after `after_seq`, in order.
pub fn audit_after(
    client: &mut Client,
    after_seq: u64,
    limit: usize,
) -> Result<Vec<(u64, String, String)>, StoreError> {
    let limit = int(limit as u64);
    audit_rows(
        client
            .query(
                "SELECT seq, hash, body FROM staff_audit WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&int(after_seq), &limit],
            )
            .map_err(db)?,
    )
}

/// Up to `limit` audit entries before `before_seq`, newest first.
pub fn audit_before(
    client: &mut Client,
    before_seq: u64,
    limit: usize,
) -> Result<Vec<(u64, String, String)>, StoreError> {
    let limit = int(limit as u64);
    audit_rows(
        client
            .query(
                "SELECT seq, hash, body FROM staff_audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
                &[&int(before_seq), &limit],
            )
            .map_err(db)?,
    )
}

/// The consent ledger's head (`seq`, `hash`), for the health page.
pub fn ledger_head(client: &mut Client) -> Result<Option<(u64, String)>, StoreError> {
    client
        .query_opt("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", &[])
        .map_err(db)?
        .map(|r| Ok((r.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(), r.try_get(1).map_err(corrupt)?)))
        .transpose()
}

/// Sets the last used TOTP step outright (a new secret starts from its set-up code).
pub fn reset_totp_step(client: &mut Client, account_id: &str, step: i64) -> Result<(), StoreError> {
    client
        .execute("UPDATE staff_accounts SET totp_last_step = $2 WHERE account_id = $1", &[&account_id, &step])
        .map_err(db)?;
    Ok(())
}

/// When the throttle key `key` may try again (Unix ms; 0 when it has no failure on record).
pub fn throttle_blocked_until(client: &mut Client, key: &str) -> Result<i64, StoreError> {
    let row = client.query_opt("SELECT blocked_until FROM staff_throttle WHERE key = $1", &[&key]).map_err(db)?;
    row.map_or(Ok(0), |r| r.try_get(0).map_err(corrupt))
}

/// Counts one failure of `key` at `now` (the count starting again when the last one is `forget_ms` old) and
/// returns the count; one statement, so that collectors failing the same key at once each count.
pub fn throttle_fail(client: &mut Client, key: &str, now: i64, forget_ms: i64) -> Result<u32, StoreError> {
    let row = client
        .query_one(
            "INSERT INTO staff_throttle (key, failures, last_failure, blocked_until) VALUES ($1, 1, $2, 0)
             ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN $2 - staff_throttle.last_failure >= $3 THEN 1 ELSE staff_throttle.failures + 1 END,
                 last_failure = GREATEST(staff_throttle.last_failure, $2)
             RETURNING failures",
            &[&key, &now, &forget_ms],
        )
        .map_err(db)?;
    let failures: i64 = row.try_get(0).map_err(corrupt)?;
    Ok(u32::try_from(failures).unwrap_or(u32::MAX))
}

/// Makes `key` wait until `until` (Unix ms), unless it already waits longer.
pub fn throttle_block(client: &mut Client, key: &str, until: i64) -> Result<(), StoreError> {
    client
        .execute(
            "UPDATE staff_throttle SET blocked_until = GREATEST(blocked_until, $2) WHERE key = $1",
            &[&key, &until],
        )
        .map_err(db)?;
    Ok(())
}

/// Forgets the failures of `key` (a successful sign-in).
pub fn throttle_forget(client: &mut Client, key: &str) -> Result<(), StoreError> {
    client.execute("DELETE FROM staff_throttle WHERE key = $1", &[&key]).map_err(db)?;
    Ok(())
}

/// Removes the keys whose last failure is before `before` and that no longer wait at `now`.
pub fn throttle_prune(client: &mut Client, before: i64, now: i64) -> Result<u64, StoreError> {
    client
        .execute("DELETE FROM staff_throttle WHERE last_failure < $1 AND blocked_until <= $2", &[&before, &now])
        .map_err(db)
}
