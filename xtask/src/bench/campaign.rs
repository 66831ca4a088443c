//! The campaign rows (issue 14, `--only campaign`): `collector campaign send` of the school example to its
//! imported graduates, delivered into a real SMTP server on loopback (the tests' aiosmtpd sink, writing each message's
//! envelope as it accepts it, without parsing it), timed as the whole command — messages per second, median of runs, and the
//! sender's CPU per message; then a campaign killed with `kill -9` a third of the way and resumed, every message
//! counted per recipient at the SMTP server: none twice, only the rows reported `uncertain` possibly missing.

use super::Row;
use super::collector::{release_binary, scratch};
use super::load::{Collector, cpu_seconds};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Recipients of each campaign.
const RECIPIENTS: usize = 2_000;
/// Timed campaigns (the median is reported).
const RUNS: usize = 3;
const TEMPLATE: &str = "---\nsubject: Le réseau des diplômés vous attend, {{ first_name }}\n---\nBonjour {{ first_name }} \
                        {{ last_name }},\n\nLe réseau des diplômés de **{{ controller }}** (promotion {{ promo }}) \
                        organise ses rencontres de rentrée.\n";
/// What the command line says, in every row.
const COMMAND: &str = "cargo xtask bench --only campaign";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The SMTP server: `collector/tests/data/smtp_sink.py`, one JSON file per message accepted, in its own folder.
struct Sink {
    child: Child,
    folder: PathBuf,
    url: String,
}

impl Sink {
    fn start(folder: PathBuf) -> anyhow::Result<Sink> {
        std::fs::create_dir_all(&folder)?;
        let port = test_kit::free_port();
        let mut child = Command::new("python3")
            .arg(root().join("collector/tests/data/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&folder)
            .env("SMTP_SINK_RAW", "1")
            .stdout(Stdio::piped())
            .spawn()?;
        let mut ready = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut ready)?;
        }
        anyhow::ensure!(ready.trim() == "ready", "the SMTP sink did not start (aiosmtpd installed?)");
        Ok(Sink { child, folder, url: format!("smtp://127.0.0.1:{port}") })
    }

    /// Messages received per recipient.
    fn received(&self) -> anyhow::Result<BTreeMap<String, usize>> {
        let mut counts = BTreeMap::new();
        for entry in std::fs::read_dir(&self.folder)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let mail: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
                let to = mail["to"][0].as_str().unwrap_or_default().to_owned();
                *counts.entry(to).or_default() += 1;
            }
        }
        Ok(counts)
    }

    fn total(&self) -> anyhow::Result<usize> {
        Ok(std::fs::read_dir(&self.folder)?
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count())
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A campaign command under way.
struct Sending {
    child: Child,
    id: String,
}

/// Starts `collector campaign ARGS…` with the delivery options; `send` prints the campaign's id first.
fn spawn(bin: &Path, args: &[&str], sink: &Sink, collector: &Collector, template: &Path) -> anyhow::Result<Sending> {
    let mut command = Command::new(bin);
    command.env_remove("DATABASE_URL").arg("campaign").args(args);
    if args[0] == "send" {
        command.arg("--template").arg(template).args(["--audience", "soft-opt-in"]);
    }
    let mut child = command
        .args(["--rate", "0", "--lease-secs", "2", "--smtp", &sink.url, "--public-url", &collector.url, "--data"])
        .arg(&collector.data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let mut out = BufReader::new(out);
        out.read_line(&mut first)?;
        // The rest (its report) is read to the end: a closed pipe would fail the command's last lines.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    }
    let id = first.strip_prefix("campagne / campaign ").map(|s| s.trim().to_owned()).unwrap_or_default();
    anyhow::ensure!(!id.is_empty(), "campaign {}: no campaign id printed ({first:?})", args[0]);
    Ok(Sending { child, id })
}

/// Waits for the command to end; its CPU seconds, read from `/proc` while it is a zombie (before it is reaped).
fn finish(mut sending: Sending) -> anyhow::Result<f64> {
    let pid = sending.child.id();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
        if state == Some('Z') || stat.is_empty() {
            let cpu = cpu_seconds(Some(pid));
            let status = sending.child.wait()?;
            anyhow::ensure!(status.success(), "campaign {}: {status}", sending.id);
            return Ok(cpu);
        }
        anyhow::ensure!(Instant::now() < deadline, "campaign {} did not end", sending.id);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One timed campaign into a fresh sink: (messages per second, CPU ms per message).
fn timed(bin: &Path, dir: &Path, collector: &Collector, template: &Path, run: usize) -> anyhow::Result<(f64, f64)> {
    let sink = Sink::start(dir.join(format!("sink-{run}")))?;
    let started = Instant::now();
    let sending = spawn(bin, &["send"], &sink, collector, template)?;
    let cpu = finish(sending)?;
    let took = started.elapsed().as_secs_f64();
    let received = sink.total()?;
    anyhow::ensure!(received == RECIPIENTS, "run {run}: {received} messages at the SMTP server, {RECIPIENTS} expected");
    let rate = RECIPIENTS as f64 / took;
    println!(
        "    run {run}: {RECIPIENTS} messages in {took:.2} s, {rate:.0}/s, CPU {:.2} ms each",
        cpu * 1000.0 / RECIPIENTS as f64
    );
    Ok((rate, cpu * 1000.0 / RECIPIENTS as f64))
}

/// A campaign killed with SIGKILL a third of the way, resumed: (duplicates, uncertain, not received, at kill).
fn killed(
    bin: &Path,
    dir: &Path,
    collector: &Collector,
    template: &Path,
) -> anyhow::Result<(usize, u64, usize, usize)> {
    let sink = Sink::start(dir.join("sink-kill"))?;
    let mut sending = spawn(bin, &["send"], &sink, collector, template)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.total()? < RECIPIENTS / 3 {
        anyhow::ensure!(Instant::now() < deadline, "the campaign does not progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    sending.child.kill()?;
    sending.child.wait()?;
    let at_kill = sink.total()?;
    // The killed sender's claims (2 s leases) must run out before the resumed one looks at them.
    std::thread::sleep(Duration::from_millis(2_500));
    let id = sending.id.clone();
    finish(spawn(bin, &["resume", &id], &sink, collector, template)?)?;
    let out = Command::new(bin)
        .env_remove("DATABASE_URL")
        .args(["campaign", "report", &id, "--json", "--data"])
        .arg(&collector.data)
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let (sent, uncertain) = (report["sent"].as_u64().unwrap_or(0), report["uncertain"].as_u64().unwrap_or(0));
    anyhow::ensure!(sent + uncertain == RECIPIENTS as u64, "after resume: {report}");
    let counts = sink.received()?;
    let duplicates = counts.values().filter(|n| **n > 1).map(|n| n - 1).sum();
    let missing = RECIPIENTS - counts.len();
    anyhow::ensure!(
        missing as u64 <= uncertain,
        "{missing} recipients received nothing, {uncertain} reported uncertain"
    );
    println!(
        "    kill -9 after {at_kill} messages: {duplicates} duplicates, {uncertain} uncertain, {missing} not received"
    );
    Ok((duplicates, uncertain, missing, at_kill))
}

/// The campaign section.
pub fn rows() -> anyhow::Result<Vec<Row>> {
    let bin = release_binary()?;
    let dir = scratch("campaign")?;
    let config = dir.join("ecole.toml");
    std::fs::copy(root().join("examples/ecole-exemple/consent.toml"), &config)?;
    let collector = Collector::start(&bin, &config, &dir, false, None)?;
    let file = dir.join("diplomes.csv");
    std::fs::write(&file, super::import::graduates_csv(RECIPIENTS))?;
    let imported = Command::new(&bin)
        .env_remove("DATABASE_URL")
        .arg("import")
        .arg(&file)
        .args(["--source", "Scolarité, export du 2026-09-01", "--data"])
        .arg(&collector.data)
        .output()?;
    anyhow::ensure!(imported.status.success(), "import: {}", String::from_utf8_lossy(&imported.stderr));
    let template = dir.join("rentree.md");
    std::fs::write(&template, TEMPLATE)?;
    crate::step::say(&format!("campaign: {RUNS} campaigns of {RECIPIENTS} messages into aiosmtpd, then one killed"));
    let mut runs = Vec::new();
    for run in 0..RUNS {
        runs.push(timed(&bin, &dir, &collector, &template, run)?);
    }
    let (duplicates, uncertain, missing, at_kill) = killed(&bin, &dir, &collector, &template)?;
    collector.verify()?;
    drop(collector);
    let _ = std::fs::remove_dir_all(&dir);
    let median = |pick: fn(&(f64, f64)) -> f64| {
        let mut values: Vec<f64> = runs.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let each: Vec<String> = runs.iter().map(|(rate, _)| format!("{rate:.0}")).collect();
    Ok(vec![
        Row {
            what: format!(
                "campaign: delivery into a local SMTP server (`collector campaign send`, the whole command: {RECIPIENTS} \
                 imported graduates of the school example queued in one transaction, each message composed and \
                 signed, sent to aiosmtpd on loopback which writes each envelope down (SMTP_SINK_RAW), each outcome \
                 recorded; --rate 0, --parallel 4; release, SQLite, `serve` running); median of {RUNS} runs"
            ),
            value: format!(
                "{:.0} messages/s (runs: {}/s); CPU {:.2} ms a message",
                median(|r| r.0),
                each.join(", "),
                median(|r| r.1)
            ),
            target: "≥ 200 messages/s".into(),
            command: COMMAND.into(),
        },
        Row {
            what: format!(
                "campaign: `kill -9` of `campaign send` after {at_kill} of {RECIPIENTS} messages, then `campaign \
                 resume`; messages counted per recipient at the SMTP server"
            ),
            value: format!(
                "{duplicates} duplicates; {uncertain} reported uncertain (interrupted in flight, never resent), \
                 {missing} of them not received"
            ),
            target: "0 duplicates".into(),
            command: COMMAND.into(),
        },
    ])
}
