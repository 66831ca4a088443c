//! `site-kit check DIR`: prints every finding, exits 1 on errors.

use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path) -> anyhow::Result<ExitCode> {
    let report = site_kit::check(dir);
    println!("{report}");
    Ok(if report.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
