//! `site-kit init DIR`.

use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path) -> anyhow::Result<ExitCode> {
    let written = site_kit::init(dir)?;
    for path in &written {
        println!("created {}", path.display());
    }
    println!("next: site-kit check {0} && site-kit serve {0}", dir.display());
    Ok(ExitCode::SUCCESS)
}
