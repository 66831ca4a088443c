//! `collector verify --data DIR`: walk the chain; exit 1 naming the first broken link.

use super::open_ledger;
use collector::ledger::{VerifyFailure, verify_chain};
use std::path::Path;
use std::process::ExitCode;

/// Verifies the ledger of a data folder.
pub fn run(data: &Path) -> anyhow::Result<ExitCode> {
    let mut ledger = open_ledger(data)?;
    match verify_chain(ledger.store()) {
        Ok(report) => {
            println!(
                "ledger OK: {} events, head {}, personal data of {} records match their hashes",
                report.events,
                report.head.as_deref().unwrap_or("(empty)"),
                report.data_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(VerifyFailure::Broken(broken)) => {
            println!("ledger BROKEN: {broken}");
            Ok(ExitCode::from(1))
        }
        Err(VerifyFailure::Store(e)) => Err(e.into()),
    }
}
