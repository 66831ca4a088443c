//! `collector purge (--data DIR | --database URL) [--now RFC3339]`.

use super::open_data;
use crate::cli::PurgeArgs;
use anyhow::Context;
use collector::clock::{Clock, SystemClock, parse_rfc3339};
use collector::retention::{purge_now, remind_now};
use std::process::ExitCode;

/// Runs one retention pass.
pub fn run(args: &PurgeArgs) -> anyhow::Result<ExitCode> {
    let now = match &args.now {
        Some(text) => parse_rfc3339(text).context("--now is not an RFC 3339 instant, e.g. 2029-01-01T00:00:00Z")?,
        None => SystemClock.now_ms(),
    };
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let report = purge_now(&mut ledger, &sites, now)?;
    println!(
        "purge done: {} pending records expired, {} consents ended by retention, {} subjects anonymised, {} nonces forgotten",
        report.expired_pending, report.expired_consents, report.anonymised, report.nonces_pruned
    );
    let reminders = remind_now(&mut ledger, &sites, now)?;
    println!("profile reminders: {reminders} queued");
    Ok(ExitCode::SUCCESS)
}
