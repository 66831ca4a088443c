//! One function per subcommand, and what the commands share: opening the ledger, in the SQLite file of a data
//! folder or in the PostgreSQL database of `--database`.

mod campaign;
mod export;
mod import;
mod key;
mod proof;
mod purge;
mod receipt;
mod serve;
mod staff;
mod stats;
mod verify;

use crate::cli::{Command, KeyCommand, LedgerArgs, ProofCommand, ReceiptCommand, StaffCommand};
use anyhow::{Context, bail};
use collector::ledger::Ledger;
use collector::sites::{Site, Sites, stored_sites};
use collector::storage::Store;
use collector::storage::postgres::{PostgresStore, is_postgres_url};
use collector::storage::sqlite::{SqliteStore, database_path};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs one command.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(args),
        Command::Verify(args) => verify::run(&args),
        Command::Receipt { command: ReceiptCommand::Verify(args) } => receipt::run(&args),
        Command::Proof { command: ProofCommand::Verify(args) } => proof::run(&args),
        Command::Staff { command: StaffCommand::Add(args) } => staff::add(&args),
        Command::Export(args) => export::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Purge(args) => purge::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Campaign { command } => campaign::run(command),
        Command::Key { command: KeyCommand::Rotate(args) } => key::rotate(&args),
    }
}

/// Refuses a `--database` value that is not a PostgreSQL URL (SQLite is chosen by leaving it out).
fn check_url(url: &str) -> anyhow::Result<()> {
    if !is_postgres_url(url) {
        bail!(
            "--database (or DATABASE_URL) must be a postgres:// or postgresql:// URL; leave it out to keep the \
             ledger in SQLite in --data"
        );
    }
    Ok(())
}

/// Opens (creating if needed) the ledger `serve` writes to: PostgreSQL when `database` is given, else the
/// SQLite file of `data`. Also returns where it is, for the log (never a password).
pub fn open_store(data: &Path, database: Option<&str>) -> anyhow::Result<(Box<dyn Store>, String)> {
    match database {
        Some(url) => {
            check_url(url)?;
            let store = PostgresStore::open(url).context("opening the PostgreSQL ledger")?;
            let place = format!("{store:?}");
            Ok((Box::new(store), place))
        }
        None => {
            let path = database_path(data);
            let store = SqliteStore::open(data).with_context(|| format!("opening {}", path.display()))?;
            Ok((Box::new(store), path.display().to_string()))
        }
    }
}

/// Opens the existing ledger a staff command names.
pub fn open_ledger(args: &LedgerArgs) -> anyhow::Result<Ledger> {
    let store: Box<dyn Store> = match (&args.database, &args.data) {
        (Some(url), _) => {
            check_url(url)?;
            Box::new(PostgresStore::open_existing(url).context("opening the PostgreSQL ledger")?)
        }
        (None, Some(data)) => {
            let path = database_path(data);
            if !path.exists() {
                bail!("{}: no ledger here (start `collector serve --data {}` first)", path.display(), data.display());
            }
            Box::new(SqliteStore::open(data).with_context(|| format!("opening {}", path.display()))?)
        }
        (None, None) => bail!("say where the ledger is: --data DIR (SQLite) or --database postgres://… (PostgreSQL)"),
    };
    Ok(Ledger::open(store)?)
}

/// The ledger and the sites `serve` stored in it.
pub fn open_data(args: &LedgerArgs) -> anyhow::Result<(Ledger, Sites)> {
    let mut ledger = open_ledger(args)?;
    // The collector key lives in the data folder; without it the sites simply carry no receipt key.
    let key = args
        .data
        .as_deref()
        .and_then(|data| std::fs::read(collector::keys::seed_path(data)).ok())
        .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
        .map(|seed| consent::signature::CollectorKey::from_seed(seed).public().to_base64url())
        .unwrap_or_default();
    let sites = stored_sites(ledger.store(), &key)?;
    Ok((ledger, sites))
}

/// The site a staff command is about: the one named, or the only one.
pub fn pick_site(sites: &Sites, name: Option<&str>) -> anyhow::Result<Arc<Site>> {
    match name {
        Some(name) => sites.get(name).with_context(|| format!("no site `{name}` in this ledger")),
        None => {
            let all: Vec<Arc<Site>> = sites.iter().collect();
            match all.as_slice() {
                [one] => Ok(one.clone()),
                [] => bail!("this ledger has no site yet"),
                _ => bail!("this ledger has several sites: pass --site"),
            }
        }
    }
}
