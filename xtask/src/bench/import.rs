//! The collector rows on importing a graduates list (issue 14): `collector import` of 100,000 graduates into the
//! school example, the dry run and the real run, each timed as the whole command (read, decode, check every row,
//! look up every address, and for the real run one transaction of 100,000 subjects, records, canonical rows and
//! `imported` events). `collector verify` must pass afterwards.

use super::Row;
use super::load::Collector;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Graduates in the file.
pub const GRADUATES: usize = 100_000;

/// A list as a French student-records office exports it: Windows-1252 is the worst case for decoding, but most
/// exports are now "CSV UTF-8" with a BOM, `;`-separated, CRLF, accented names, a column the site does not hold.
pub fn graduates_csv(n: usize) -> Vec<u8> {
    let last = ["Dupont", "Lefèvre", "Nguyen", "Martin", "Bernard", "Rousseau", "Fournier", "Girard"];
    let first = ["Zoé", "Jean", "Léa", "Thomas", "Chloé", "Hugo", "Inès", "Noël"];
    let programmes = ["Ingénieur généraliste", "Master Management", "\"Ingénieur; apprentissage\"", ""];
    let mut out = String::with_capacity(n * 80);
    out.push_str("\u{feff}Nom;Prénom;Courriel;Promotion;Formation;Téléphone\r\n");
    for i in 0..n {
        let _ = write!(
            out,
            "{};{};diplome.{i}@exemple.fr;{};{};+33 6 00 00 {:02} {:02}\r\n",
            last[i % last.len()],
            first[(i / 8) % first.len()],
            1980 + i % 46,
            programmes[i % programmes.len()],
            i % 100,
            (i / 100) % 100
        );
    }
    out.into_bytes()
}

fn timed(bin: &Path, args: &[&str]) -> anyhow::Result<(Duration, String)> {
    let started = Instant::now();
    let out = Command::new(bin).args(args).env_remove("DATABASE_URL").output()?;
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    anyhow::ensure!(out.status.success(), "collector {}: {stdout}{}", args[0], String::from_utf8_lossy(&out.stderr));
    Ok((elapsed, stdout))
}

/// The two rows: dry run, then the real run, on a fresh ledger beside a running `serve`.
pub(super) fn rows(bin: &Path) -> anyhow::Result<Vec<Row>> {
    let dir = super::collector::scratch("import")?;
    let config = dir.join("ecole.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    std::fs::copy(root.join("examples/ecole-exemple/consent.toml"), &config)?;
    let collector = Collector::start(bin, &config, &dir, false, None)?;
    let file = dir.join("diplomes.csv");
    std::fs::write(&file, graduates_csv(GRADUATES))?;
    let (file, data) = (file.to_string_lossy().into_owned(), collector.data.to_string_lossy().into_owned());
    let import = ["import", &file, "--data", &data, "--source", "Scolarité, export du 2026-09-01"];
    crate::step::say(&format!("collector: import of {GRADUATES} graduates, dry run then real run"));
    let (dry, report) = timed(bin, &[&import[..], &["--dry-run"]].concat())?;
    anyhow::ensure!(report.contains(&format!("would be created : {GRADUATES}")), "dry run: {report}");
    let (real, report) = timed(bin, &import)?;
    anyhow::ensure!(report.contains(&format!("created : {GRADUATES}")), "real run: {report}");
    let (_, verified) = timed(bin, &["verify", "--data", &data])?;
    anyhow::ensure!(verified.contains(&format!("personal data of {GRADUATES} records")), "verify: {verified}");
    drop(collector);
    let _ = std::fs::remove_dir_all(&dir);
    println!("    dry run {:.2} s, real run {:.2} s", dry.as_secs_f64(), real.as_secs_f64());
    let what = |run: &str| {
        format!(
            "collector: import of {GRADUATES} graduates, {run} (`collector import`, the whole command: an 8 MB CSV \
             UTF-8 with BOM, `;`, CRLF; every row checked and looked up; release, SQLite, `serve` running)"
        )
    };
    let row = |run: &str, took: Duration| Row {
        what: what(run),
        value: format!("{:.2} s", took.as_secs_f64()),
        target: "≤ 10 s".into(),
        command: "cargo xtask bench --only collector".into(),
    };
    Ok(vec![
        row("dry run", dry),
        row("real run (one transaction, 100,000 `imported` events; `collector verify` passes after)", real),
    ])
}
