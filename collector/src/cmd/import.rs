//! `collector import FILE.csv (--data DIR | --database URL) [--site ID] --source TEXT [--dry-run] [--map …]
//! [--legacy-consent PURPOSE --evidence TEXT]`: read and check the whole file first, then record every row in one
//! ledger transaction, or none.

use super::{open_data, pick_site};
use crate::cli::ImportArgs;
use anyhow::Context;
use collector::clock::{Clock, SystemClock};
use collector::import::{ImportOptions, plan, report};
use collector::ledger::import::{ImportBatch, LegacyConsent};
use std::process::ExitCode;

/// Runs an import (or its dry run).
pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {file}"))?;
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let site = pick_site(&sites, args.site.as_deref())?;
    let legacy = match (&args.legacy_consent, &args.evidence) {
        (Some(purpose), Some(evidence)) => {
            Some(LegacyConsent { purpose: purpose.clone(), evidence: evidence.trim().to_owned() })
        }
        _ => None,
    };
    let options = ImportOptions { source: args.source.clone(), map: args.map.clone(), legacy };
    let plan = match plan(&site, &bytes, &options) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{}", e.located(&file));
            eprintln!("rien n'a été importé — nothing was imported");
            return Ok(ExitCode::from(1));
        }
    };
    let site_id = site.config.site().as_str();
    if plan.has_problems() || args.dry_run {
        let outcome = ledger.survey(site_id, plan.people(), plan.legacy.as_ref())?;
        print!("{}", report(&file, &plan, &outcome, true));
        return Ok(if plan.has_problems() { ExitCode::from(1) } else { ExitCode::SUCCESS });
    }
    let batch = ImportBatch {
        site: site_id,
        source: &plan.source,
        file_sha256: &plan.file_sha256,
        notice_version: site.notice.version().as_str(),
        locale: site.config.default_locale(),
        purposes: &plan.purposes,
        legacy: plan.legacy.as_ref(),
        people: plan.people(),
    };
    let now = SystemClock.now_ms();
    ledger.store().expect_bulk_write()?;
    let outcome = ledger.transaction(|l| l.import(&batch, now))?;
    print!("{}", report(&file, &plan, &outcome, false));
    Ok(ExitCode::SUCCESS)
}
