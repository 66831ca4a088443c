//! `collector export (--data DIR | --database URL) --purpose ID [--format csv|json]`.

use super::{open_data, pick_site};
use crate::cli::{ExportArgs, ExportFormat};
use anyhow::{Context, bail};
use collector::campaign::audience::{self, Audience};
use collector::export::{Format, export};
use consent::LegalBasis;
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
        let bytes = export(&mut ledger, &site, &args.purpose, format)?;
        if site.config.purpose(&args.purpose).is_some_and(|p| p.basis == LegalBasis::SoftOptIn) {
            // Said, so that an export with only the people who consented is not read as the whole audience.
            let selection = audience::select(&mut ledger, site.config.site().as_str(), Audience::SoftOptIn)?;
            eprintln!(
                "« {purpose} » repose sur l'opt-in assoupli : cet export liste les personnes qui y ont consenti ; \
                 les {n} diplômés importés qui peuvent recevoir les messages de l'école n'y sont pas \
                 (`collector campaign send --audience soft-opt-in` leur écrit).\n\
                 « {purpose} » rests on soft opt-in: this export lists the people who consented to it; the {n} \
                 imported graduates the school may write to are not in it (`collector campaign send --audience \
                 soft-opt-in` writes to them).",
                purpose = args.purpose,
                n = selection.recipients.len()
            );
        }
        bytes
    };
    match &args.output {
        Some(path) => std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
