//! `site-kit build DIR [--out public]`.

use site_kit::BuildOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(dir: &Path, out: Option<PathBuf>, widget_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let options = BuildOptions { out, widget_dir, live_reload: false, progress: true };
    let report = site_kit::build(dir, &options)?;
    println!(
        "built {} articles, {} files in {:.0} ms → {}",
        report.articles,
        report.files,
        report.elapsed.as_secs_f64() * 1000.0,
        report.out.display()
    );
    match &report.widget_bundle {
        Some(dir) => println!("widget bundle copied from {}", dir.display()),
        None => println!(
            "widget bundle not found (dist/widget): pages reference /widget/alumni-consent.js; build it with `cargo xtask widget`"
        ),
    }
    println!("notice version {}", report.notice_version);
    Ok(ExitCode::SUCCESS)
}
