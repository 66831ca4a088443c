//! `site-kit serve DIR [--port 8080]`.

use site_kit::ServeOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(dir: &Path, port: u16, out: Option<PathBuf>, widget_dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    site_kit::serve(dir, &ServeOptions { port, out, widget_dir })?;
    Ok(ExitCode::SUCCESS)
}
