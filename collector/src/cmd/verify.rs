//! `collector verify (--data DIR | --database URL)`: walk the chain; exit 1 naming the first broken link.

use super::open_ledger;
use crate::cli::LedgerArgs;
use collector::ledger::{VerifyFailure, verify_chain};
use std::process::ExitCode;

/// Verifies the ledger of a data folder or database.
pub fn run(args: &LedgerArgs) -> anyhow::Result<ExitCode> {
    let mut ledger = open_ledger(args)?;
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
