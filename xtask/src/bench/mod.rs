//! `cargo xtask bench`: the figures of DESIGN §11, measured in one run, printed as one table and written to
//! `docs/benchmarks.md` with the machine, the date and the command behind each row.

mod access;
mod campaign;
mod collector;
mod import;
pub(crate) mod load;
mod reads;
mod site;
mod staff;
mod widget;

use std::fmt::Write as _;

/// Options of `cargo xtask bench`.
#[derive(clap::Args)]
pub struct Args {
    /// Only these parts (widget, collector, durable, staff, site, campaign); all by default.
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
    let mut measured = Vec::new();
    for (part, _) in PARTS {
        if !wants(part) {
            continue;
        }
        let rows = match *part {
            "widget" => widget::rows()?,
            "collector" => collector::rows()?,
            "durable" => collector::durable_rows()?,
            "staff" => staff::rows()?,
            "campaign" => campaign::rows()?,
            _ => site::rows()?,
        };
        println!("{}", render(&rows));
        measured.push((*part, rows));
    }
    let old = std::fs::read_to_string("docs/benchmarks.md").unwrap_or_default();
    std::fs::create_dir_all("docs")?;
    std::fs::write("docs/benchmarks.md", document(&old, &measured))?;
    println!("written to docs/benchmarks.md");
    Ok(())
}

/// The parts of the table, each a section of `docs/benchmarks.md` with its own date: `--only` re-measures some
/// and keeps the others as they were.
const PARTS: &[(&str, &str)] = &[
    ("widget", "Widget"),
    ("collector", "Collector"),
    ("durable", "Durable submissions: SQLite, PostgreSQL, two collectors"),
    ("staff", "Staff console"),
    ("site", "Site-kit"),
    ("campaign", "Campaigns"),
];

/// `docs/benchmarks.md`: the sections measured now, and the others taken from the `old` document.
fn document(old: &str, measured: &[(&str, Vec<Row>)]) -> String {
    let mut doc = String::from(
        "# Benchmarks\n\nProduced by `cargo xtask bench` (`--only widget,collector,site` re-measures those sections \
         and keeps the others). Each section says when and where it was measured.\n",
    );
    for (part, title) in PARTS {
        let heading = format!("## {title}\n");
        if let Some((_, rows)) = measured.iter().find(|(p, _)| p == part) {
            let _ = write!(
                doc,
                "\n{heading}\nMeasured {} on {} cores, {}, by `cargo xtask bench`.\n\n{}",
                date(),
                std::thread::available_parallelism().map_or(0, |n| n.get()),
                std::env::consts::ARCH,
                render(rows)
            );
        } else if let Some(start) = old.find(&heading) {
            let rest = &old[start..];
            let end = rest[heading.len()..].find("\n## ").map_or(rest.len(), |i| i + heading.len() + 1);
            let _ = write!(doc, "\n{}", rest[..end].trim_end_matches('\n').to_owned() + "\n");
        }
    }
    doc
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
