//! The staff console's SQL for PostgreSQL: the same functions as [`crate::storage::sqlite::console`].

use super::{corrupt, db, event_from_row, seq_sql};
use crate::proof::Checkpoint;
use crate::staff::console::requests::RightsRequest;
use crate::storage::StoreError;
use crate::storage::StoredEvent;
use postgres::{Client, Row};

fn limit_sql(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Up to `limit` events after `after`, each with the signed data of its record when it is a submission whose
/// data are still held.
///
/// Two statements, the submissions' record ids read here: joining in SQL cast every event's body to `jsonb`
/// twice (kind, record id), PostgreSQL's own JSON parser running on each event of the chain for each collector
/// that keeps its dashboard up (with the `events_subject` index's cast on insert, PostgreSQL's JSON parsing was
/// about 1.5 % of the machine's CPU under the durable bench's load).
pub fn events_with_data(
    client: &mut Client,
    after: u64,
    limit: usize,
) -> Result<Vec<(StoredEvent, Option<String>)>, StoreError> {
    let events = events_after(client, after, limit)?;
    let records: Vec<Option<String>> = events.iter().map(|e| submitted_record(&e.body)).collect();
    let submitted: Vec<&String> = records.iter().flatten().collect();
    let mut data: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    if !submitted.is_empty() {
        let rows = client
            .query("SELECT record_id, data FROM record_data WHERE record_id = ANY($1)", &[&submitted])
            .map_err(db)?;
        for row in &rows {
            data.insert(row.try_get(0).map_err(corrupt)?, row.try_get(1).map_err(corrupt)?);
        }
    }
    Ok(events.into_iter().zip(records).map(|(e, id)| (e, id.and_then(|id| data.get(&id).cloned()))).collect())
}

/// The record id of a `submitted` event's body (what the SQL join matched on).
fn submitted_record(body: &str) -> Option<String> {
    // Only the two keys it needs: the rest of the body (detail, hashes) is skipped unparsed into values.
    #[derive(serde::Deserialize)]
    struct Head {
        kind: crate::ledger::EventKind,
        record_id: Option<String>,
    }
    let head: Head = serde_json::from_str(body).ok()?;
    if head.kind == crate::ledger::EventKind::Submitted { head.record_id } else { None }
}

/// Up to `limit` events after `after`, without data (the chain check).
pub fn events_after(client: &mut Client, after: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = client
        .query(
            "SELECT seq, hash, body FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq_sql(after), &limit_sql(limit)],
        )
        .map_err(db)?;
    rows.iter().map(event_from_row).collect()
}

/// The furthest point up to which the chain was verified from genesis.
pub fn checkpoint(client: &mut Client) -> Result<Option<Checkpoint>, StoreError> {
    let row = client
        .query_opt("SELECT seq, hash, checked_at FROM chain_checkpoints ORDER BY seq DESC LIMIT 1", &[])
        .map_err(db)?;
    row.map(|r| {
        Ok(Checkpoint {
            seq: r.try_get::<_, i64>(0).map_err(corrupt)?.unsigned_abs(),
            hash: r.try_get(1).map_err(corrupt)?,
            at: r.try_get(2).map_err(corrupt)?,
        })
    })
    .transpose()
}

/// Records a checkpoint.
pub fn put_checkpoint(client: &mut Client, c: &Checkpoint) -> Result<(), StoreError> {
    client
        .execute(
            "INSERT INTO chain_checkpoints (seq, hash, checked_at) VALUES ($1, $2, $3) ON CONFLICT (seq) DO NOTHING",
            &[&seq_sql(c.seq), &c.hash, &c.at],
        )
        .map(drop)
        .map_err(db)
}

macro_rules! request_select {
    ($rest:literal) => {
        concat!(
            "SELECT request_id, site, kind, channel, requester, subject_id, received_on, status, answer, steps, ",
            "created_at, updated_at FROM rights_requests ",
            $rest
        )
    };
}

fn request_from_row(r: &Row) -> Result<RightsRequest, StoreError> {
    let steps: String = r.try_get(9).map_err(corrupt)?;
    Ok(RightsRequest {
        request_id: r.try_get(0).map_err(corrupt)?,
        site: r.try_get(1).map_err(corrupt)?,
        kind: r.try_get(2).map_err(corrupt)?,
        channel: r.try_get(3).map_err(corrupt)?,
        requester: r.try_get(4).map_err(corrupt)?,
        subject_id: r.try_get(5).map_err(corrupt)?,
        received_on: r.try_get(6).map_err(corrupt)?,
        status: r.try_get(7).map_err(corrupt)?,
        answer: r.try_get(8).map_err(corrupt)?,
        steps: serde_json::from_str(&steps).map_err(corrupt)?,
        created_at: r.try_get(10).map_err(corrupt)?,
        updated_at: r.try_get(11).map_err(corrupt)?,
    })
}

/// Inserts or replaces a rights request.
pub fn put_request(client: &mut Client, q: &RightsRequest) -> Result<(), StoreError> {
    let steps = serde_json::to_string(&q.steps).map_err(corrupt)?;
    client
        .execute(
            "INSERT INTO rights_requests (request_id, site, kind, channel, requester, subject_id, received_on, status, \
             answer, steps, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (request_id) DO UPDATE SET subject_id = EXCLUDED.subject_id, status = EXCLUDED.status, \
             answer = EXCLUDED.answer, steps = EXCLUDED.steps, updated_at = EXCLUDED.updated_at",
            &[
                &q.request_id,
                &q.site,
                &q.kind,
                &q.channel,
                &q.requester,
                &q.subject_id,
                &q.received_on,
                &q.status,
                &q.answer,
                &steps,
                &q.created_at,
                &q.updated_at,
            ],
        )
        .map(drop)
        .map_err(db)
}

/// A rights request by id.
pub fn request(client: &mut Client, id: &str) -> Result<Option<RightsRequest>, StoreError> {
    client
        .query_opt(request_select!("WHERE request_id = $1"), &[&id])
        .map_err(db)?
        .as_ref()
        .map(request_from_row)
        .transpose()
}

/// A site's rights requests, open ones first, oldest received first.
pub fn requests_of_site(client: &mut Client, site: &str) -> Result<Vec<RightsRequest>, StoreError> {
    let rows = client
        .query(
            request_select!("WHERE site = $1 ORDER BY status = 'answered', received_on, request_id LIMIT 500"),
            &[&site],
        )
        .map_err(db)?;
    rows.iter().map(request_from_row).collect()
}
