//! The outbox folder (`--outbox`): one `.eml` file per email, named after the record it is about so that an
//! erasure (art. 17) can take the subject's emails with the rest of their data.

use crate::ledger::{ErasedVia, LedgerError, sha256_hex};
use crate::state::AppState;
use std::path::{Path, PathBuf};

/// The file for one email: `{record}-{nanos}.eml`, where `{record}` is a digest of the record id (record ids are
/// chosen by the browser: never a path), or `staff` for emails about no record (staff password links).
pub fn file_for(outbox: &Path, record_id: Option<&str>) -> PathBuf {
    // Queue ids are reused once the queue drains (and across restarts): the time makes names unique.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    outbox.join(format!("{}-{nanos}.eml", record_id.map_or_else(|| "staff".to_owned(), prefix_of)))
}

fn prefix_of(record_id: &str) -> String {
    sha256_hex(record_id.as_bytes())[..16].to_owned()
}

/// Deletes the outbox files of these records; returns how many went.
pub fn remove_records(outbox: &Path, record_ids: &[String]) -> std::io::Result<usize> {
    let prefixes: Vec<String> = record_ids.iter().map(|r| format!("{}-", prefix_of(r))).collect();
    let mut removed = 0;
    for entry in std::fs::read_dir(outbox)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".eml") && prefixes.iter().any(|p| name.starts_with(p.as_str())) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Erases the subject of `record_id` (art. 17) from the ledger, then their emails from the outbox.
pub async fn erase_subject(state: &AppState, record_id: String, now: i64) -> Result<(), LedgerError> {
    erase_subject_via(state, record_id, now, ErasedVia::ManageLink).await
}

/// [`erase_subject`], recording through which channel it was asked.
pub async fn erase_subject_via(
    state: &AppState,
    record_id: String,
    now: i64,
    via: ErasedVia,
) -> Result<(), LedgerError> {
    let record_ids = state
        .writer
        .run(move |l| {
            let subject = l.store().record(&record_id)?.map(|r| r.subject_id);
            let ids = match subject {
                Some(subject) => l.store().records_of_subject(&subject)?.into_iter().map(|r| r.record_id).collect(),
                None => Vec::new(),
            };
            l.erase_via(&record_id, now, via)?;
            Ok(ids)
        })
        .await?;
    if let Some(outbox) = &state.outbox {
        let outbox = outbox.clone();
        // The ledger's erasure stands either way; a file left behind is an operator's task, said in the log.
        match tokio::task::spawn_blocking(move || remove_records(&outbox, &record_ids)).await {
            Ok(Ok(removed)) => tracing::info!(removed, "erasure: outbox emails removed"),
            Ok(Err(e)) => tracing::error!(error = %e, "erasure: cannot remove the subject's outbox emails"),
            Err(e) => tracing::error!(error = %e, "erasure: outbox task failed"),
        }
    }
    Ok(())
}
