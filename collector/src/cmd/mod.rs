//! One function per subcommand, and what the staff commands share: opening a data folder.

mod export;
mod purge;
mod receipt;
mod serve;
mod stats;
mod verify;

use crate::cli::{Command, ReceiptCommand};
use anyhow::{Context, bail};
use collector::ledger::Ledger;
use collector::sites::{Site, Sites, stored_sites};
use collector::storage::sqlite::{SqliteStore, database_path};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs one command.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(args),
        Command::Verify(args) => verify::run(&args.data),
        Command::Receipt { command: ReceiptCommand::Verify(args) } => receipt::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Purge(args) => purge::run(&args),
    }
}

/// Opens the ledger of an existing data folder.
pub fn open_ledger(data: &Path) -> anyhow::Result<Ledger> {
    let path = database_path(data);
    if !path.exists() {
        bail!("{}: no ledger here (start `collector serve --data {}` first)", path.display(), data.display());
    }
    let store = SqliteStore::open(data).with_context(|| format!("opening {}", path.display()))?;
    Ok(Ledger::open(Box::new(store))?)
}

/// The ledger and the sites `serve` stored in it.
pub fn open_data(data: &Path) -> anyhow::Result<(Ledger, Sites)> {
    let mut ledger = open_ledger(data)?;
    let key = std::fs::read(collector::keys::seed_path(data))
        .ok()
        .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
        .map(|seed| consent::signature::CollectorKey::from_seed(seed).public().to_base64url())
        .unwrap_or_default();
    let sites = stored_sites(ledger.store(), &key)?;
    Ok((ledger, sites))
}

/// The site a staff command is about: the one named, or the only one.
pub fn pick_site(sites: &Sites, name: Option<&str>) -> anyhow::Result<Arc<Site>> {
    match name {
        Some(name) => sites.get(name).cloned().with_context(|| format!("no site `{name}` in this ledger")),
        None => {
            let all: Vec<&Arc<Site>> = sites.iter().collect();
            match all.as_slice() {
                [one] => Ok((*one).clone()),
                [] => bail!("this ledger has no site yet"),
                _ => bail!("this ledger has several sites: pass --site"),
            }
        }
    }
}
