//! The staff console's SQL for SQLite (beyond accounts and audit, in `staff.rs`): reading the chain for the
//! dashboard and the proof bundles' chain check, the checkpoints of that check, and the rights requests.

use super::{db, seq_sql};
use crate::proof::Checkpoint;
use crate::staff::console::requests::RightsRequest;
use crate::storage::StoreError;
use crate::storage::StoredEvent;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Up to `limit` events after `after`, each with the signed data of its record when it is a submission whose
/// data are still held.
pub fn events_with_data(
    conn: &Connection,
    after: u64,
    limit: usize,
) -> Result<Vec<(StoredEvent, Option<String>)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.seq, e.hash, e.body, d.data FROM events e LEFT JOIN record_data d \
             ON json_extract(e.body, '$.kind') = 'submitted' AND d.record_id = json_extract(e.body, '$.record_id') \
             WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![seq_sql(after), i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                StoredEvent { seq: r.get::<_, i64>(0)?.unsigned_abs(), hash: r.get(1)?, body: r.get(2)? },
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// Up to `limit` events after `after`, without data (the chain check).
pub fn events_after(conn: &Connection, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, hash, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2").map_err(db)?;
    let rows = stmt
        .query_map(params![seq_sql(after), i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(StoredEvent { seq: r.get::<_, i64>(0)?.unsigned_abs(), hash: r.get(1)?, body: r.get(2)? })
        })
        .map_err(db)?;
    rows.map(|r| r.map_err(db)).collect()
}

/// The furthest point up to which the chain was verified from genesis.
pub fn checkpoint(conn: &Connection) -> Result<Option<Checkpoint>, StoreError> {
    conn.query_row("SELECT seq, hash, checked_at FROM chain_checkpoints ORDER BY seq DESC LIMIT 1", [], |r| {
        Ok(Checkpoint { seq: r.get::<_, i64>(0)?.unsigned_abs(), hash: r.get(1)?, at: r.get(2)? })
    })
    .optional()
    .map_err(db)
}

/// Records a checkpoint.
pub fn put_checkpoint(conn: &Connection, c: &Checkpoint) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO chain_checkpoints (seq, hash, checked_at) VALUES (?1, ?2, ?3)",
        params![seq_sql(c.seq), c.hash, c.at],
    )
    .map(drop)
    .map_err(db)
}

const REQUEST_COLUMNS: &str = "request_id, site, kind, channel, requester, subject_id, received_on, status, answer, steps, created_at, updated_at";

fn request_from_row(r: &Row<'_>) -> rusqlite::Result<(RightsRequest, String)> {
    Ok((
        RightsRequest {
            request_id: r.get(0)?,
            site: r.get(1)?,
            kind: r.get(2)?,
            channel: r.get(3)?,
            requester: r.get(4)?,
            subject_id: r.get(5)?,
            received_on: r.get(6)?,
            status: r.get(7)?,
            answer: r.get(8)?,
            steps: Vec::new(),
            created_at: r.get(10)?,
            updated_at: r.get(11)?,
        },
        r.get(9)?,
    ))
}

fn finish((mut request, steps): (RightsRequest, String)) -> Result<RightsRequest, StoreError> {
    request.steps = serde_json::from_str(&steps).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(request)
}

/// Inserts or replaces a rights request.
pub fn put_request(conn: &Connection, q: &RightsRequest) -> Result<(), StoreError> {
    let steps = serde_json::to_string(&q.steps).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        &format!("INSERT OR REPLACE INTO rights_requests ({REQUEST_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            q.request_id,
            q.site,
            q.kind,
            q.channel,
            q.requester,
            q.subject_id,
            q.received_on,
            q.status,
            q.answer,
            steps,
            q.created_at,
            q.updated_at
        ],
    )
    .map(drop)
    .map_err(db)
}

/// A rights request by id.
pub fn request(conn: &Connection, id: &str) -> Result<Option<RightsRequest>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM rights_requests WHERE request_id = ?1");
    conn.query_row(&sql, params![id], request_from_row).optional().map_err(db)?.map(finish).transpose()
}

/// A site's rights requests, open ones first, oldest received first.
pub fn requests_of_site(conn: &Connection, site: &str) -> Result<Vec<RightsRequest>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM rights_requests WHERE site = ?1 \
         ORDER BY status = 'answered', received_on, request_id LIMIT 500"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    let rows = stmt.query_map(params![site], request_from_row).map_err(db)?;
    rows.map(|r| r.map_err(db).and_then(finish)).collect()
}
