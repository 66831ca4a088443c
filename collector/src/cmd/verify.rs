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
            audit_chain(args)
        }
        Err(VerifyFailure::Broken(broken)) => {
            println!("ledger BROKEN: {broken}");
            Ok(ExitCode::from(1))
        }
        Err(VerifyFailure::Store(e)) => Err(e.into()),
    }
}

/// The staff console's audit log has a chain of its own: checked after the ledger's.
fn audit_chain(args: &LedgerArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.clone().unwrap_or_default();
    let place = collector::staff::db::StaffPlace::new(&data, args.database.as_deref());
    match collector::staff::audit::verify_at(&place)? {
        Ok((entries, head)) => {
            println!("audit log OK: {entries} entries, head {}", head.as_deref().unwrap_or("(empty)"));
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!("audit log BROKEN: {broken}");
            Ok(ExitCode::from(1))
        }
    }
}
