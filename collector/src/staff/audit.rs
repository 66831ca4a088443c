//! The audit log: every staff sign-in, subject view, export (purpose, row count), erasure and rights-request
//! step, append-only and hash-chained like the ledger (each entry's RFC 8785 body holds the previous entry's
//! hash; its own hash is the SHA-256 of that body), naming the account. No subject's personal data in it: ids
//! and counts only.

use crate::AppState;
use crate::clock::rfc3339;
use crate::ledger::{GENESIS_HASH, sha256_hex};
use crate::staff::Staff;
use crate::storage::StoreError;
use consent::canonical::to_canonical_string;
use serde_json::{Value, json};

/// Appends an entry for `staff` doing `action` with `detail`.
pub async fn append(state: &AppState, staff: &Staff, action: &str, detail: Value) -> Result<(), StoreError> {
    append_as(state, &staff.account_id, &staff.email, action, detail).await
}

/// Appends an entry for an account named by id and email (sign-in, before a [`Staff`] exists).
pub async fn append_as(
    state: &AppState,
    account_id: &str,
    email: &str,
    action: &str,
    detail: Value,
) -> Result<(), StoreError> {
    let db = state.staff_db.clone().ok_or_else(|| StoreError::Database("the staff console is off".into()))?;
    let now = state.now();
    let (account_id, email, action) = (account_id.to_owned(), email.to_owned(), action.to_owned());
    db.call(move |conn| append_on(conn, &account_id, &email, &action, detail, now)).await.map(drop)
}

/// Appends an entry on a connection at `now`; its sequence number. The `collector staff` commands name the
/// account `cli`.
pub fn append_on(
    conn: &mut crate::staff::StaffConn,
    account_id: &str,
    email: &str,
    action: &str,
    detail: Value,
    now: i64,
) -> Result<u64, StoreError> {
    conn.append_audit(seal(account_id, email, action, detail, now))
}

/// What seals an entry after the head it is given: its hash and body, for the store to append in the same
/// transaction as the head's read (and, for an invitation, as the account it records).
pub fn seal<'a>(
    account_id: &'a str,
    email: &'a str,
    action: &'a str,
    detail: Value,
    now: i64,
) -> impl FnOnce(Option<(u64, String)>) -> Result<(String, String), StoreError> + 'a {
    move |head| {
        let (seq, prev_hash) = head.map_or((1, GENESIS_HASH.to_owned()), |(seq, hash)| (seq + 1, hash));
        let body = to_canonical_string(&json!({
            "seq": seq,
            "prev_hash": prev_hash,
            "at": rfc3339(now),
            "account_id": account_id,
            "account": email,
            "action": action,
            "detail": detail,
        }))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((sha256_hex(body.as_bytes()), body))
    }
}

/// Walks the audit chain from its first entry; the number of entries, or the first broken one.
pub fn verify(conn: &mut crate::staff::StaffConn) -> Result<Result<u64, String>, StoreError> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut count = 0u64;
    loop {
        let batch = conn.audit_after(count, 1000)?;
        if batch.is_empty() {
            return Ok(Ok(count));
        }
        for (seq, hash, body) in batch {
            let value: Value = serde_json::from_str(&body).unwrap_or_default();
            if seq != count + 1
                || sha256_hex(body.as_bytes()) != hash
                || value.get("prev_hash").and_then(Value::as_str) != Some(prev.as_str())
                || value.get("seq").and_then(Value::as_u64) != Some(seq)
            {
                return Ok(Err(format!("audit entry {seq}: altered, removed or out of order")));
            }
            prev = hash;
            count = seq;
        }
    }
}

/// `collector verify`'s check of the audit chain in the database at `place`: entries checked and head, or the
/// first broken entry.
pub fn verify_at(place: &crate::staff::db::StaffPlace) -> Result<Result<(u64, Option<String>), String>, StoreError> {
    let mut conn = place.connect_once()?;
    let head = conn.audit_before(u64::MAX >> 1, 1)?.pop().map(|(_, hash, _)| hash);
    Ok(verify(&mut conn)?.map(|n| (n, head)))
}
