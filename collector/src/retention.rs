//! Data that do not outlive their purpose: pending records expire after the site's `confirm_within_days`,
//! consents end after their purpose's retention, and subjects with nothing left are anonymised: their personal
//! data are deleted and only counts stay, for `stats` (see `Ledger::keep_aggregates`). Runs as
//! `collector purge` and periodically inside `serve`, always with an injectable clock. The same pass queues the
//! yearly profile reminders that are due ([`crate::ledger::Ledger::queue_profile_reminders`]).

use crate::clock::SharedClock;
use crate::ledger::{Ledger, LedgerError, PurgeReport};
use crate::sites::Sites;
use crate::writer::Writer;
use std::time::Duration;

/// One purge pass, in one transaction (staff command).
pub fn purge_now(ledger: &mut Ledger, sites: &Sites, now_ms: i64) -> Result<PurgeReport, LedgerError> {
    let confirm = sites.confirm_within_ms();
    let retention = sites.retention();
    ledger.transaction(|l| l.purge(now_ms, &confirm, &retention))
}

/// The yearly profile reminders due at `now_ms`, queued in one transaction (`collector purge`, as the pass of
/// [`run_periodic`]); how many.
pub fn remind_now(ledger: &mut Ledger, sites: &Sites, now_ms: i64) -> Result<usize, LedgerError> {
    let reminders = crate::ledger::profile::reminder_sites(sites);
    // A moved clock ahead of the real one (`purge --now`) still sends them now.
    let due_at = now_ms.min(crate::clock::Clock::now_ms(&crate::clock::SystemClock));
    ledger.transaction(|l| l.queue_profile_reminders(&reminders, now_ms, due_at))
}

/// Purges every `every` inside a running server, then queues the profile reminders due.
pub async fn run_periodic(writer: Writer, sites: Sites, clock: SharedClock, every: Duration) {
    loop {
        let now = clock.now_ms();
        // Read at each pass: a reload (SIGHUP) may have changed a site's delays since the last one.
        let (confirm, retention) = (sites.confirm_within_ms(), sites.retention());
        match writer.run(move |l| l.purge(now, &confirm, &retention)).await {
            Ok(report) => tracing::info!(
                expired_pending = report.expired_pending,
                expired_consents = report.expired_consents,
                anonymised = report.anonymised,
                nonces_pruned = report.nonces_pruned,
                "retention pass"
            ),
            Err(e) => tracing::error!(error = %e, "retention pass failed"),
        }
        let reminders = crate::ledger::profile::reminder_sites(&sites);
        match writer.run(move |l| l.queue_profile_reminders(&reminders, now, now)).await {
            Ok(queued) => tracing::info!(queued, "profile reminder pass"),
            Err(e) => tracing::error!(error = %e, "profile reminder pass failed"),
        }
        tokio::time::sleep(every).await;
    }
}
