//! `cargo xtask bench`: the figures of DESIGN §11, measured in one run, printed as one table and written to
//! `docs/benchmarks.md` with the machine, the date and the command behind each row.

mod collector;
mod site;
mod widget;

use std::fmt::Write as _;

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct Args {
    /// Only these parts (widget, collector, site); all by default.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Run the collector soak test for this many seconds instead of the benchmarks.
    #[arg(long)]
    pub soak: Option<u64>,
}

/// One measured figure.
pub struct Row {
    /// What is measured.
    pub what: String,
    /// The measured value, with its unit.
    pub value: String,
    /// The target or the peer it compares with.
    pub target: String,
    /// The command that produced it.
    pub command: String,
}

/// Runs the benchmarks (in an optimised build of xtask: the load generator shares the machine with the collector
/// and must cost it as little CPU as it can).
pub fn run(args: Args) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        crate::step::say("bench: running an optimised build of xtask, so that the load generator is not the limit");
        let status = crate::step::cargo()
            .args(["run", "--quiet", "--release", "--package", "xtask", "--", "bench"])
            .args(std::env::args_os().skip(2))
            .status()?;
        std::process::exit(status.code().unwrap_or(1));
    }
    if let Some(seconds) = args.soak {
        return collector::soak(seconds);
    }
    let wants = |part: &str| args.only.is_empty() || args.only.iter().any(|o| o == part);
    let mut rows = Vec::new();
    if wants("widget") {
        rows.extend(widget::rows()?);
    }
    if wants("collector") {
        rows.extend(collector::rows()?);
    }
    if wants("site") {
        rows.extend(site::rows()?);
    }
    let table = render(&rows);
    println!("{table}");
    let doc = format!(
        "# Benchmarks\n\nMachine: {} cores, {}. Date: {}. Produced by `cargo xtask bench`.\n\n{table}\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH,
        date()
    );
    std::fs::create_dir_all("docs")?;
    std::fs::write("docs/benchmarks.md", doc)?;
    println!("written to docs/benchmarks.md");
    Ok(())
}

fn render(rows: &[Row]) -> String {
    let mut out = String::from("| what | measured | target / peer | command |\n| --- | --- | --- | --- |\n");
    for r in rows {
        let _ = writeln!(out, "| {} | {} | {} | `{}` |", r.what, r.value, r.target, r.command);
    }
    out
}

pub(crate) fn date() -> String {
    std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown".into(), |s| s.trim().to_owned())
}
