//! Build orchestration: `cargo xtask demo`, `cargo xtask test`, `cargo xtask widget`, `cargo xtask bench`.
//!
//! Every command installs what it needs when it is missing (the wasm target, the pinned wasm-bindgen-cli,
//! wasm-opt and terser from npm, Debian's Chromium and chromedriver, the SMTP test server) and says so.

mod bench;
mod demo;
mod step;
mod test;
mod tools;
mod widget;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "Build, demo, test and benchmark the alumni consent kit")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the widget and an example site, start the collector on SQLite, serve on http://127.0.0.1:8080.
    Demo(demo::Args),
    /// Run every test: unit, integration, browser (headless Chromium) and end-to-end.
    Test(test::Args),
    /// Build the widget bundle into dist/widget/ and print its gzip size.
    Widget(widget::Args),
    /// Measure the figures of DESIGN §11 and write docs/benchmarks.md.
    Bench(bench::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Demo(args) => demo::run_demo(args),
        Command::Test(args) => test::run_all(args),
        Command::Widget(args) => widget::run(args).map(|_| ()),
        Command::Bench(args) => bench::run(args),
    }
}
