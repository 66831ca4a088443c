//! `collector export (--data DIR | --database URL) --purpose ID [--format csv|json]`.

use super::{open_data, pick_site};
use crate::cli::{ExportArgs, ExportFormat};
use anyhow::{Context, bail};
use collector::export::{Format, export};
use std::io::Write;
use std::process::ExitCode;

/// Writes the export of one purpose.
pub fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let site = pick_site(&sites, args.site.as_deref())?;
    if site.config.purpose(&args.purpose).is_none() {
        let known: Vec<&str> = site.config.purposes().iter().map(|p| p.id.as_str()).collect();
        bail!("site `{}` has no purpose `{}` (known: {})", site.config.site(), args.purpose, known.join(", "));
    }
    let format = match args.format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Json => Format::Json,
    };
    let bytes = if args.legacy {
        collector::import::legacy::export(&mut ledger, &site, &args.purpose, format == Format::Json)?
    } else {
        export(&mut ledger, &site, &args.purpose, format)?
    };
    match &args.output {
        Some(path) => std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
