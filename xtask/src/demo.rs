//! `cargo xtask demo` (not written yet).

/// Options of `cargo xtask demo`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cargo xtask demo` is not written yet")
}
