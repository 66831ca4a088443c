//! `cargo xtask test` (not written yet).

/// Options of `cargo xtask test`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cargo xtask test` is not written yet")
}
