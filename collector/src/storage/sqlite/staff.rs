//! The staff console's SQL for SQLite: accounts, sessions, one-time links and the audit log (tables of
//! `migrations/0003_staff.sql`), on the console's own connections.

use crate::staff::accounts::{Account, Role};
use crate::staff::db::{SessionRow, TokenRow};
use crate::storage::StoreError;
use consent::Locale;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use std::path::Path;

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Opens one more connection to the data folder's database (already migrated by the ledger's store).
pub fn connect(data_dir: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(super::database_path(data_dir)).map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db)?;
    conn.execute_batch("PRAGMA synchronous = FULL;").map_err(db)?;
    Ok(conn)
}

const ACCOUNT_COLUMNS: &str = "account_id, email, role, sites, locale, password_hash, totp_secret, totp_last_step, \
                               disabled_at, created_at, updated_at";

type RawAccount = (Account, String, String, String);

fn account_from_row(row: &Row<'_>) -> rusqlite::Result<RawAccount> {
    Ok((
        Account {
            account_id: row.get(0)?,
            email: row.get(1)?,
            role: Role::Viewer,
            sites: Vec::new(),
            locale: Locale::Fr,
            password_hash: row.get(5)?,
            totp_secret: row.get(6)?,
            totp_last_step: row.get(7)?,
            disabled_at: row.get(8)?,
            created_at: row.get(9)?,
            updated_at: row.get(10)?,
        },
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn finish_account((mut account, role, sites, locale): RawAccount) -> Result<Account, StoreError> {
    account.role = Role::parse(&role).ok_or_else(|| corrupt(format!("role {role}")))?;
    account.sites = serde_json::from_str(&sites).map_err(corrupt)?;
    account.locale = Locale::from_tag(&locale);
    Ok(account)
}

fn accounts_where(conn: &Connection, clause: &str, args: impl rusqlite::Params) -> Result<Vec<Account>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {ACCOUNT_COLUMNS} FROM staff_accounts {clause}")).map_err(db)?;
    let rows = stmt.query_map(args, account_from_row).map_err(db)?;
    rows.map(|r| r.map_err(db).and_then(finish_account)).collect()
}

/// The account with this (normalised) email.
pub fn account_by_email(conn: &mut Connection, email: &str) -> Result<Option<Account>, StoreError> {
    Ok(accounts_where(conn, "WHERE email = ?1", [email])?.pop())
}

/// The account with this id.
pub fn account_by_id(conn: &mut Connection, account_id: &str) -> Result<Option<Account>, StoreError> {
    Ok(accounts_where(conn, "WHERE account_id = ?1", [account_id])?.pop())
}

/// Every account, by email.
pub fn accounts(conn: &mut Connection) -> Result<Vec<Account>, StoreError> {
    accounts_where(conn, "ORDER BY email", [])
}

/// Stores a new account; `false` when the email is taken.
pub fn insert_account(conn: &mut Connection, a: &Account) -> Result<bool, StoreError> {
    insert_account_on(conn, a)
}

/// Stores a new account, its invitation link and the audit entry saying so, in one transaction: all or
/// nothing. `false` (and nothing stored) when the email is taken.
pub fn invite_account(
    conn: &mut Connection,
    a: &Account,
    t: &TokenRow,
    seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
    if !insert_account_on(&tx, a)? {
        return Ok(false);
    }
    insert_token_on(&tx, t)?;
    append_audit_on(&tx, seal)?;
    tx.commit().map_err(db)?;
    Ok(true)
}

fn insert_account_on(conn: &Connection, a: &Account) -> Result<bool, StoreError> {
    let sites = serde_json::to_string(&a.sites).map_err(corrupt)?;
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO staff_accounts ({ACCOUNT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (email) DO NOTHING"
        ))
        .and_then(|mut s| {
            s.execute(params![
                a.account_id,
                a.email,
                a.role.as_str(),
                sites,
                a.locale.tag(),
                a.password_hash,
                a.totp_secret,
                a.totp_last_step,
                a.disabled_at,
                a.created_at,
                a.updated_at
            ])
        })
        .map_err(db)?;
    Ok(inserted == 1)
}

/// Writes an account's changeable fields back (not its TOTP step: see [`accept_totp_step`]).
pub fn update_account(conn: &mut Connection, a: &Account) -> Result<(), StoreError> {
    let sites = serde_json::to_string(&a.sites).map_err(corrupt)?;
    conn.prepare_cached(
        "UPDATE staff_accounts SET role = ?2, sites = ?3, locale = ?4, password_hash = ?5, totp_secret = ?6, \
         disabled_at = ?7, updated_at = ?8 WHERE account_id = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            a.account_id,
            a.role.as_str(),
            sites,
            a.locale.tag(),
            a.password_hash,
            a.totp_secret,
            a.disabled_at,
            a.updated_at
        ])
    })
    .map_err(db)?;
    Ok(())
}

/// Records that a TOTP code of `step` was used, unless one of this step or a later one already was (`false`:
/// a replay). One statement, so two requests racing with the same code cannot both pass.
pub fn accept_totp_step(conn: &mut Connection, account_id: &str, step: i64) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE staff_accounts SET totp_last_step = ?2 WHERE account_id = ?1 \
             AND (totp_last_step IS NULL OR totp_last_step < ?2)",
        )
        .and_then(|mut s| s.execute(params![account_id, step]))
        .map_err(db)?;
    Ok(changed == 1)
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        session_hash: row.get(0)?,
        account_id: row.get(1)?,
        stage: row.get(2)?,
        csrf_token: row.get(3)?,
        created_at: row.get(4)?,
        last_seen_at: row.get(5)?,
    })
}

/// Stores a new session.
pub fn insert_session(conn: &mut Connection, s: &SessionRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO staff_sessions (session_hash, account_id, stage, csrf_token, created_at, last_seen_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![s.session_hash, s.account_id, s.stage, s.csrf_token, s.created_at, s.last_seen_at])
    })
    .map_err(db)?;
    Ok(())
}

/// The session whose cookie hashes to `session_hash`.
pub fn session(conn: &mut Connection, session_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    conn.prepare_cached(
        "SELECT session_hash, account_id, stage, csrf_token, created_at, last_seen_at FROM staff_sessions \
         WHERE session_hash = ?1",
    )
    .and_then(|mut s| s.query_row([session_hash], session_from_row).optional())
    .map_err(db)
}

/// Marks a session as used now (its idle expiry runs from here).
pub fn touch_session(conn: &mut Connection, session_hash: &str, at: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE staff_sessions SET last_seen_at = ?2 WHERE session_hash = ?1")
        .and_then(|mut s| s.execute(params![session_hash, at]))
        .map_err(db)?;
    Ok(())
}

/// Ends one session.
pub fn delete_session(conn: &mut Connection, session_hash: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM staff_sessions WHERE session_hash = ?1")
        .and_then(|mut s| s.execute([session_hash]))
        .map_err(db)?;
    Ok(())
}

/// Ends every session of an account; how many there were.
pub fn delete_sessions_of(conn: &mut Connection, account_id: &str) -> Result<u64, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM staff_sessions WHERE account_id = ?1")
        .and_then(|mut s| s.execute([account_id]))
        .map_err(db)?;
    Ok(n as u64)
}

/// Removes sessions idle since before `idle_before` or created before `created_before`.
pub fn prune_sessions(conn: &mut Connection, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM staff_sessions WHERE last_seen_at < ?1 OR created_at < ?2")
        .and_then(|mut s| s.execute(params![idle_before, created_before]))
        .map_err(db)?;
    Ok(n as u64)
}

/// Stores a one-time link, voiding the account's earlier unused links of the same purpose.
pub fn insert_token(conn: &mut Connection, t: &TokenRow) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db)?;
    insert_token_on(&tx, t)?;
    tx.commit().map_err(db)
}

fn insert_token_on(tx: &Connection, t: &TokenRow) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM staff_tokens WHERE account_id = ?1 AND purpose = ?2 AND used_at IS NULL",
        params![t.account_id, t.purpose],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO staff_tokens (token_hash, account_id, purpose, expires_at, used_at) VALUES (?1, ?2, ?3, ?4, NULL)",
        params![t.token_hash, t.account_id, t.purpose, t.expires_at],
    )
    .map_err(db)?;
    Ok(())
}

/// The account of an unused, unexpired link of `purpose`, without using it.
pub fn peek_token(
    conn: &mut Connection,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    conn.prepare_cached(
        "SELECT account_id FROM staff_tokens WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL \
         AND expires_at > ?3",
    )
    .and_then(|mut s| s.query_row(params![token_hash, purpose, now], |r| r.get(0)).optional())
    .map_err(db)
}

/// Uses a link once: the account it was for, or `None` if it is unknown, used or expired.
pub fn take_token(
    conn: &mut Connection,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    conn.prepare_cached(
        "UPDATE staff_tokens SET used_at = ?3 WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL \
         AND expires_at > ?3 RETURNING account_id",
    )
    .and_then(|mut s| s.query_row(params![token_hash, purpose, now], |r| r.get(0)).optional())
    .map_err(db)
}

/// Appends an audit entry after the current head: `seal` gets the head (`seq`, `hash`) and returns the new
/// entry's hash and body; head read and insert are one write transaction, so entries never fork.
pub fn append_audit(
    conn: &mut Connection,
    seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
) -> Result<u64, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
    let seq = append_audit_on(&tx, seal)?;
    tx.commit().map_err(db)?;
    Ok(seq)
}

/// [`append_audit`] inside a write transaction already open.
fn append_audit_on(
    tx: &Connection,
    seal: impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError>,
) -> Result<u64, StoreError> {
    let head: Option<(i64, String)> = tx
        .query_row("SELECT seq, hash FROM staff_audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db)?;
    let head = head.map(|(seq, hash)| (seq.unsigned_abs(), hash));
    let seq = head.as_ref().map_or(1, |(seq, _)| seq + 1);
    let (hash, body) = seal(head)?;
    tx.execute(
        "INSERT INTO staff_audit (seq, hash, body) VALUES (?1, ?2, ?3)",
        params![i64::try_from(seq).unwrap_or(i64::MAX), hash, body],
    )
    .map_err(db)?;
    Ok(seq)
}

/// Up to `limit` audit entries (`seq`, `hash`, `body`) after `after_seq`, in order.
pub fn audit_after(
    conn: &mut Connection,
    after_seq: u64,
    limit: usize,
) -> Result<Vec<(u64, String, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, hash, body FROM staff_audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .map_err(db)?;
    let rows = stmt
        .query_map(
            params![i64::try_from(after_seq).unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| Ok((r.get::<_, i64>(0)?.unsigned_abs(), r.get(1)?, r.get(2)?)),
        )
        .map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// Up to `limit` audit entries before `before_seq`, newest first (the console's pages).
pub fn audit_before(
    conn: &mut Connection,
    before_seq: u64,
    limit: usize,
) -> Result<Vec<(u64, String, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, hash, body FROM staff_audit WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2")
        .map_err(db)?;
    let rows = stmt
        .query_map(
            params![i64::try_from(before_seq).unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| Ok((r.get::<_, i64>(0)?.unsigned_abs(), r.get(1)?, r.get(2)?)),
        )
        .map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// The consent ledger's head (`seq`, `hash`), for the health page.
pub fn ledger_head(conn: &mut Connection) -> Result<Option<(u64, String)>, StoreError> {
    conn.prepare_cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get::<_, i64>(0)?.unsigned_abs(), r.get(1)?))).optional())
        .map_err(db)
}

/// Sets the last used TOTP step outright (a new secret starts from its set-up code).
pub fn reset_totp_step(conn: &mut Connection, account_id: &str, step: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE staff_accounts SET totp_last_step = ?2 WHERE account_id = ?1")
        .and_then(|mut s| s.execute(params![account_id, step]))
        .map_err(db)?;
    Ok(())
}

/// When the throttle key `key` may try again (Unix ms; 0 when it has no failure on record).
pub fn throttle_blocked_until(conn: &mut Connection, key: &str) -> Result<i64, StoreError> {
    let until = conn
        .prepare_cached("SELECT blocked_until FROM staff_throttle WHERE key = ?1")
        .map_err(db)?
        .query_row([key], |r| r.get(0))
        .optional()
        .map_err(db)?;
    Ok(until.unwrap_or(0))
}

/// Counts one failure of `key` at `now` (the count starting again when the last one is `forget_ms` old) and
/// returns the count; one statement, so that collectors failing the same key at once each count.
pub fn throttle_fail(conn: &mut Connection, key: &str, now: i64, forget_ms: i64) -> Result<u32, StoreError> {
    let failures: i64 = conn
        .prepare_cached(
            "INSERT INTO staff_throttle (key, failures, last_failure, blocked_until) VALUES (?1, 1, ?2, 0)
             ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN ?2 - staff_throttle.last_failure >= ?3 THEN 1 ELSE staff_throttle.failures + 1 END,
                 last_failure = MAX(staff_throttle.last_failure, ?2)
             RETURNING failures",
        )
        .map_err(db)?
        .query_row(params![key, now, forget_ms], |r| r.get(0))
        .map_err(db)?;
    Ok(u32::try_from(failures).unwrap_or(u32::MAX))
}

/// Makes `key` wait until `until` (Unix ms), unless it already waits longer.
pub fn throttle_block(conn: &mut Connection, key: &str, until: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE staff_throttle SET blocked_until = MAX(blocked_until, ?2) WHERE key = ?1")
        .map_err(db)?
        .execute(params![key, until])
        .map_err(db)?;
    Ok(())
}

/// Forgets the failures of `key` (a successful sign-in).
pub fn throttle_forget(conn: &mut Connection, key: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM staff_throttle WHERE key = ?1").map_err(db)?.execute([key]).map_err(db)?;
    Ok(())
}

/// Removes the keys whose last failure is before `before` and that no longer wait at `now`.
pub fn throttle_prune(conn: &mut Connection, before: i64, now: i64) -> Result<u64, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM staff_throttle WHERE last_failure < ?1 AND blocked_until <= ?2")
        .map_err(db)?
        .execute(params![before, now])
        .map_err(db)?;
    Ok(n as u64)
}
