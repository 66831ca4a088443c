//! `collector stats (--data DIR | --database URL) [--json] [--insertion [--purpose ID]]`.

use super::{open_data, pick_site};
use crate::cli::StatsArgs;
use collector::stats::{self, insertion};
use std::process::ExitCode;

/// Prints the statistics of a site.
pub fn run(args: &StatsArgs) -> anyhow::Result<ExitCode> {
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let site = pick_site(&sites, args.site.as_deref())?;
    if args.insertion {
        let purpose = insertion::purpose(&site, args.purpose.as_deref())?;
        let computed = insertion::compute(&mut ledger, &site, &purpose)?;
        if args.json {
            println!("{}", insertion::render_json(&computed));
        } else {
            print!("{}", insertion::render_text(&computed));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let computed = stats::compute(&mut ledger, &site)?;
    if args.json {
        println!("{}", stats::render_json(&site, &computed));
    } else {
        print!("{}", stats::render_text(&site, &computed));
    }
    Ok(ExitCode::SUCCESS)
}
