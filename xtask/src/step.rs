//! Running a build step: say what is done, run it, stop with the command line when it fails.

use std::process::Command;

/// Prints a step title.
pub fn say(title: &str) {
    println!("\n==> {title}");
}

/// Runs `cmd` with inherited output; fails with the full command line if it does not succeed.
pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let line = format!("{cmd:?}").replace('"', "");
    println!("    $ {line}");
    let status = cmd.status().map_err(|e| anyhow::anyhow!("could not start `{line}`: {e}"))?;
    anyhow::ensure!(status.success(), "`{line}` failed ({status})");
    Ok(())
}

/// `cargo` with the same toolchain as the one running xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}
