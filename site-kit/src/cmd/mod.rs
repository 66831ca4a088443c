//! One function per subcommand.

mod build;
mod check;
mod init;
mod new;
mod notice;
mod serve;

use crate::cli::Command;
use std::process::ExitCode;

/// Runs a subcommand.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init { dir } => init::run(&dir),
        Command::New { kind, name, dir } => new::run(kind, &name, &dir),
        Command::Build { dir, out, widget_dir } => build::run(&dir, out, widget_dir),
        Command::Serve { dir, port, out, widget_dir } => serve::run(&dir, port, out, widget_dir),
        Command::Check { dir } => check::run(&dir),
        Command::Notice { dir, layer, lang } => notice::run(&dir, layer, lang),
    }
}
