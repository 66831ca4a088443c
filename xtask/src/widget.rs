//! `cargo xtask widget` (not written yet).

/// Options of `cargo xtask widget`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<std::path::PathBuf> {
    anyhow::bail!("`cargo xtask widget` is not written yet")
}
