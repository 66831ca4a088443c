//! `collector stats (--data DIR | --database URL) [--json]`.

use super::{open_data, pick_site};
use crate::cli::StatsArgs;
use collector::stats;
use std::process::ExitCode;

/// Prints the statistics of a site.
pub fn run(args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let site = pick_site(&sites, args.site.as_deref())?;
    let computed = stats::compute(&mut ledger, &site)?;
    if args.json {
        println!("{}", stats::render_json(&site, &computed));
    } else {
        print!("{}", stats::render_text(&site, &computed));
    }
    Ok(ExitCode::SUCCESS)
}
