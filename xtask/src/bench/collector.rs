//! The collector rows of the benchmark table: our own load generator ([`load`]) against the release
//! binary on loopback, and PostgreSQL's `pgbench` single-row INSERT on the same machine as the reference for one
//! durable write. `soak(seconds)` holds 1,000 submissions/s and watches the collector's memory.

use super::Row;
use super::load;
use load::{Client, Collector, Stats};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Submissions in the sustained-rate window.
const SUSTAINED: usize = 30_000;
/// Concurrent connections in the sustained-rate window.
const CONNECTIONS: usize = 128;
/// The fixed rate of the latency run, and its length.
const RATE: u32 = 1_000;
const RATE_SECONDS: usize = 15;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A scratch folder under `target/`, emptied first.
pub(super) fn scratch(name: &str) -> anyhow::Result<PathBuf> {
    let dir = root().join("target/bench").join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(root().join("examples/association-exemple/consent.toml"), dir.join("consent.toml"))?;
    Ok(dir)
}

/// Builds the release collector and returns its path.
pub(super) fn release_binary() -> anyhow::Result<PathBuf> {
    crate::step::say("building the release collector");
    crate::step::run(crate::step::cargo().current_dir(root()).args(["build", "--release", "-p", "collector"]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    Ok(target.join("release/collector"))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // One client thread: the other core is the collector's (they share a 2-core machine).
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?)
}

fn errors(stats: &Stats) -> String {
    if stats.errors.is_empty() {
        "0 errors".into()
    } else {
        stats.errors.iter().map(|(k, v)| format!("{v}× {k}")).collect::<Vec<_>>().join(", ")
    }
}

/// What one collector run measured.
struct Run {
    sustained: Stats,
    steady: Option<Stats>,
    /// CPU use of both sides during the sustained window.
    cores: String,
    /// Group commit during the sustained window.
    batches: String,
    /// The durability check.
    durable: String,
}

/// One collector, fresh data: pre-fetch and pre-sign, the sustained window, optionally the fixed-rate window, then
/// kill -9 and look for every acknowledged record.
fn measure(bin: &Path, deliver: bool, fixed_rate: bool, database: Option<&str>) -> anyhow::Result<Run> {
    measure_across(bin, 1, deliver, fixed_rate, database)
}

/// [`measure`] with `instances` collectors `serve` on one `database` (each its own data folder, as on its own
/// machine, and one shared `--key-file`), the load alternated between them: connection (or request) `i` goes to
/// collector `i % instances`.
fn measure_across(
    bin: &Path,
    instances: usize,
    deliver: bool,
    fixed_rate: bool,
    database: Option<&str>,
) -> anyhow::Result<Run> {
    anyhow::ensure!(instances == 1 || database.is_some(), "several collectors need one PostgreSQL database");
    let dir = scratch("collector")?;
    let key_file = dir.join("collector-key.seed");
    let mut collectors = Vec::with_capacity(instances);
    for i in 0..instances {
        let own = dir.join(format!("instance-{i}"));
        std::fs::create_dir_all(&own)?;
        let extra = [std::ffi::OsStr::new("--key-file"), key_file.as_os_str()];
        // Started one after the other: the first creates the key file the others read.
        collectors.push(Collector::start_with(bin, &dir.join("consent.toml"), &own, deliver, database, &extra)?);
    }
    let rt = runtime()?;
    let clients =
        collectors.iter().map(|c| Client::new(&c.url, CONNECTIONS / instances)).collect::<anyhow::Result<Vec<_>>>()?;
    let client = &clients[0];
    let rate_count = if fixed_rate { RATE as usize * RATE_SECONDS } else { 0 };
    let mails = if deliver { "emails delivered to an outbox folder" } else { "emails left in the durable queue" };

    crate::step::say(&format!(
        "{instances} collector(s) ({mails}): fetching {} challenges and signing as many submissions",
        SUSTAINED + rate_count
    ));
    let config = rt.block_on(client.widget_config())?;
    let challenges = rt.block_on(client.challenges(SUSTAINED + rate_count, 64))?;
    let mut bodies = load::sign_all(&config, challenges, 1)?;
    let fixed: Vec<Vec<u8>> = bodies.split_off(SUSTAINED);

    crate::step::say(&format!("{instances} collector(s): {SUSTAINED} submissions over {CONNECTIONS} connections"));
    let counters = |rt: &tokio::runtime::Runtime| -> anyhow::Result<Vec<BTreeMap<String, f64>>> {
        collectors.iter().map(|c| rt.block_on(client.metrics(&c.metrics_url))).collect()
    };
    let collectors_cpu = || collectors.iter().map(|c| load::cpu_seconds(c.pid())).sum::<f64>();
    let before = counters(&rt)?;
    let cpu = (collectors_cpu(), load::cpu_seconds(None), load::postgres_cpu_seconds());
    let sustained = rt.block_on(load::closed_loop(&clients, bodies, CONNECTIONS))?;
    let window = sustained.elapsed.as_secs_f64();
    let collector_cpu = collectors_cpu() - cpu.0;
    let per_submission = |seconds: f64| seconds * 1e6 / sustained.accepted.len().max(1) as f64;
    // PostgreSQL's own processes (backends, WAL writer, checkpointer), which SQLite's row has inside the collector.
    let postgres = if database.is_some() {
        let seconds = load::postgres_cpu_seconds() - cpu.2;
        format!(", PostgreSQL {:.2} cores = {:.0} µs a submission", seconds / window, per_submission(seconds))
    } else {
        String::new()
    };
    let cores = format!(
        "collector{} {:.2} cores = {:.0} µs of CPU a submission, load generator {:.2} cores{postgres}",
        if instances == 1 { String::new() } else { format!("s together ({instances})") },
        collector_cpu / window,
        per_submission(collector_cpu),
        (load::cpu_seconds(None) - cpu.1) / window
    );
    let after = counters(&rt)?;
    let delta = |name: &str| {
        after
            .iter()
            .zip(&before)
            .map(|(a, b)| a.get(name).copied().unwrap_or(0.0) - b.get(name).copied().unwrap_or(0.0))
            .sum::<f64>()
    };
    let commits = delta("collector_commit_batches_total");
    let phase =
        |name: &str| delta(&format!("collector_commit_seconds_total{{phase=\"{name}\"}}")) * 1e3 / commits.max(1.0);
    let batches = format!(
        "{:.0} commits/s of {:.1} operations on average, a batch {:.2} ms to begin and read ahead, {:.2} ms of \
         operations, {:.2} ms to commit",
        commits / window,
        delta("collector_commit_operations_total") / commits.max(1.0),
        phase("begin"),
        phase("operations"),
        phase("commit")
    );
    println!(
        "    {:.0}/s, {} accepted, {}, p50 {:.1} ms, p99 {:.1} ms; {cores}; {batches}",
        sustained.throughput(),
        sustained.accepted.len(),
        errors(&sustained),
        sustained.quantile_ms(0.5),
        sustained.quantile_ms(0.99)
    );
    let steady = if fixed_rate {
        if database.is_some() {
            // The sustained burst just wrote 30,000 rows to each table: autovacuum's pass over them would land in
            // the window's first second (282 answers over 25 ms, all in second 0, in the run that found it).
            // Doing that pass now measures the steady rate, not the burst's after-effect; autovacuum still runs
            // inside the window on the rows the window writes.
            crate::step::say("VACUUM (ANALYZE) of the sustained burst's rows before the fixed-rate window");
            psql(BENCH_DATABASE, "VACUUM (ANALYZE)")?;
        }
        crate::step::say(&format!("{instances} collector(s): {RATE}/s for {RATE_SECONDS} s"));
        let steady = rt.block_on(load::fixed_rate_across(&clients, fixed, RATE))?;
        println!(
            "    p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {}",
            steady.quantile_ms(0.5),
            steady.quantile_ms(0.99),
            steady.quantile_ms(1.0),
            errors(&steady)
        );
        let slow: Vec<String> = steady.slow_by_second(25).iter().map(|(s, n)| format!("{s}s: {n}")).collect();
        println!(
            "    answers over 25 ms by scheduled second: {}",
            if slow.is_empty() { "none".into() } else { slow.join(", ") }
        );
        Some(steady)
    } else {
        None
    };

    // Durable means on disk when the 201 left: kill -9, then look for every acknowledged record.
    for collector in &mut collectors {
        collector.kill9();
    }
    let acknowledged: Vec<String> =
        sustained.accepted.iter().chain(steady.iter().flat_map(|s| &s.accepted)).cloned().collect();
    let found = collectors[0].durable(&acknowledged)?;
    collectors[0].verify()?;
    let durable = format!("{found}/{} acknowledged found after kill -9, `collector verify` passes", acknowledged.len());
    println!("    {durable}");
    anyhow::ensure!(found == acknowledged.len(), "acknowledged submissions lost: {durable}");
    drop(collectors);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Run { sustained, steady, cores, batches, durable })
}

/// A sustained window's figure, with its errors, durability check, CPU and group commit.
fn sustained_value(run: &Run) -> String {
    format!(
        "{:.0}/s ({}; {}; {}; {})",
        run.sustained.throughput(),
        errors(&run.sustained),
        run.durable,
        run.cores,
        run.batches
    )
}

/// A fixed-rate window's latency figure.
fn latency_value(steady: &Stats) -> String {
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({})",
        steady.quantile_ms(0.5),
        steady.quantile_ms(0.99),
        steady.quantile_ms(1.0),
        errors(steady)
    )
}

pub fn rows() -> anyhow::Result<Vec<Row>> {
    let bin = release_binary()?;
    let delivered = measure(&bin, true, true, None)?;
    let queued = measure(&bin, false, false, None)?;
    let command = "cargo xtask bench --only collector".to_owned();
    let what = |mails: &str| {
        format!(
            "collector: verified, durably stored submissions/s (release, SQLite WAL synchronous=FULL, loopback, \
             {CONNECTIONS} connections, {SUSTAINED} submissions each with its own P-256 key and fresh challenge, \
             challenges pre-fetched and submissions pre-signed before the window; {mails}; load generator on the \
             same 2 cores)"
        )
    };
    let mut rows = vec![
        Row {
            what: what("confirmation emails delivered to an outbox folder"),
            value: sustained_value(&delivered),
            target: "≥ 5,000/s".into(),
            command: command.clone(),
        },
        Row {
            what: what("confirmation emails queued durably, not delivered"),
            value: sustained_value(&queued),
            target: "≥ 5,000/s".into(),
            command: command.clone(),
        },
    ];
    if let Some(steady) = &delivered.steady {
        rows.push(Row {
            what: format!(
                "collector: latency at a fixed {RATE}/s for {RATE_SECONDS} s (open loop, from each scheduled start; \
                 emails delivered to an outbox folder)"
            ),
            value: latency_value(steady),
            target: "p99 ≤ 25 ms".into(),
            command: command.clone(),
        });
    }
    rows.push(super::access::row(&bin)?);
    rows.extend(super::import::rows(&bin)?);
    rows.push(super::reads::row(&bin)?);
    Ok(rows)
}

/// Rounds of the durable rows, interleaved (SQLite, PostgreSQL with one collector, with two; again…): on a
/// shared machine one run's ratio moves by ±5 % from run to run, so each row reports its median round and
/// each ratio the median of the rounds' own ratios.
const ROUNDS: usize = 3;

/// The index of the median of `values` (the lower middle for an even count).
fn median_index(values: &[f64]) -> usize {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    order.get(values.len().saturating_sub(1) / 2).copied().unwrap_or(0)
}

/// `values` as `a / b / c` with `unit`.
fn listed(values: &[f64], decimals: usize, unit: &str) -> String {
    let shown: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
    format!("{}{unit}", shown.join(" / "))
}

/// A durable row's value: its median round in full, then every round's throughput and, against SQLite, the
/// rounds' ratios and their median.
fn durable_value(runs: &[Run], sqlite: Option<&[f64]>) -> String {
    let throughput: Vec<f64> = runs.iter().map(|r| r.sustained.throughput()).collect();
    let median = &runs[median_index(&throughput)];
    let mut value = format!("{} — by round: {}", sustained_value(median), listed(&throughput, 0, "/s"));
    if let Some(sqlite) = sqlite {
        let ratios: Vec<f64> = throughput.iter().zip(sqlite).map(|(t, s)| t / s.max(1e-9)).collect();
        let middle = ratios[median_index(&ratios)];
        value.push_str(&format!("; ÷ SQLite's round: {} (median **{middle:.2} ×**)", listed(&ratios, 2, "")));
    }
    value
}

/// The durable-submission rows of one run (`--only durable`): [`ROUNDS`] interleaved rounds of the sustained
/// window on SQLite, on PostgreSQL with one collector and with two collectors on that one database (load
/// alternated, no sticky sessions) followed by the fixed 1,000/s latency through the two; pgbench's own INSERT on
/// the same cluster as the reference.
pub fn durable_rows() -> anyhow::Result<Vec<Row>> {
    let bin = release_binary()?;
    let command = "cargo xtask bench --only durable".to_owned();
    let mut rows = pgbench()?;
    let (mut sqlite, mut one, mut two) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        crate::step::say(&format!("durable submissions, round {round} of {ROUNDS}"));
        sqlite.push(measure(&bin, false, false, None)?);
        one.push(measure(&bin, false, false, Some(&postgres_database()?))?);
        two.push(measure_across(&bin, 2, false, true, Some(&postgres_database()?))?);
    }
    let sqlite_throughput: Vec<f64> = sqlite.iter().map(|r| r.sustained.throughput()).collect();
    let what = |ledger: &str| {
        format!(
            "durable submissions/s, {ledger} (release, loopback, {CONNECTIONS} connections, {SUSTAINED} submissions \
             each with its own P-256 key and fresh challenge, pre-fetched and pre-signed; emails queued durably; \
             load generator on the same 2 cores; median of {ROUNDS} interleaved rounds)"
        )
    };
    rows.push(Row {
        what: what("SQLite (WAL, synchronous=FULL)"),
        value: durable_value(&sqlite, None),
        target: "the reference for the rows below".into(),
        command: command.clone(),
    });
    rows.push(Row {
        what: what("PostgreSQL, one collector (local cluster over its Unix socket, synchronous_commit=on)"),
        value: durable_value(&one, Some(&sqlite_throughput)),
        target: "≥ SQLite's row".into(),
        command: command.clone(),
    });
    rows.push(Row {
        what: what(
            "PostgreSQL, two `collector serve` on one database (one `--key-file`, connections alternated between them)",
        ),
        value: durable_value(&two, Some(&sqlite_throughput)),
        target: "≥ SQLite's row".into(),
        command: command.clone(),
    });
    let steady: Vec<&Stats> = two.iter().filter_map(|r| r.steady.as_ref()).collect();
    if !steady.is_empty() {
        let p99: Vec<f64> = steady.iter().map(|s| s.quantile_ms(0.99)).collect();
        rows.push(Row {
            what: format!(
                "latency at a fixed {RATE}/s for {RATE_SECONDS} s through two collectors on one PostgreSQL database \
                 (open loop, requests alternated, from each scheduled start; after a VACUUM (ANALYZE) of the \
                 sustained burst's rows; the median round's of {ROUNDS})"
            ),
            value: format!("{}; p99 by round: {}", latency_value(steady[median_index(&p99)]), listed(&p99, 1, " ms")),
            target: "p99 ≤ 25 ms".into(),
            command,
        });
    }
    Ok(rows)
}

/// The database [`postgres_database`] makes afresh for each PostgreSQL run.
const BENCH_DATABASE: &str = "alumni_collector_bench";

/// `psql` as the local cluster's superuser.
fn psql(db: &str, sql: &str) -> anyhow::Result<()> {
    let out = Command::new("runuser").args(["-u", "postgres", "--", "psql", "-qX", "-d", db, "-c", sql]).output()?;
    anyhow::ensure!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

/// A fresh database for the collector in the cluster [`pgbench`] started, owned by a role named after this OS
/// user (Debian's clusters let local users in by peer authentication); its URL.
pub(super) fn postgres_database() -> anyhow::Result<String> {
    let out = Command::new("id").arg("-un").output()?;
    let user = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    anyhow::ensure!(
        !user.is_empty() && user.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "unexpected user name `{user}`"
    );
    let _ = psql("postgres", &format!("CREATE ROLE \"{user}\" LOGIN"));
    psql("postgres", &format!("DROP DATABASE IF EXISTS {BENCH_DATABASE}"))?;
    psql("postgres", &format!("CREATE DATABASE {BENCH_DATABASE} OWNER \"{user}\""))?;
    Ok(format!("postgresql:///{BENCH_DATABASE}?host=/var/run/postgresql&user={user}"))
}

/// Installs Debian's PostgreSQL when missing and starts its cluster; returns its version.
fn start_cluster_version() -> anyhow::Result<String> {
    if Command::new("which").arg("pgbench").output().map(|o| !o.status.success()).unwrap_or(true)
        && !Path::new("/usr/lib/postgresql").exists()
    {
        println!("    PostgreSQL is missing: installing Debian's `postgresql`");
        crate::step::run(Command::new("apt-get").args(["install", "-y", "postgresql"]))?;
    }
    let version = std::fs::read_dir("/etc/postgresql")?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .max()
        .ok_or_else(|| anyhow::anyhow!("no cluster under /etc/postgresql"))?;
    // Starting an already running cluster fails harmlessly.
    let _ = Command::new("pg_ctlcluster").args(["--skip-systemctl-redirect", &version, "main", "start"]).status();
    Ok(version)
}

/// [`start_cluster_version`] for the staff rows.
pub(super) fn start_cluster() -> anyhow::Result<()> {
    start_cluster_version().map(drop)
}

/// `pgbench` single-row INSERTs with `synchronous_commit=on` on a local Debian PostgreSQL cluster (installed and
/// started when missing), with 1 client (one fsync per commit) and with many (PostgreSQL's own group commit).
fn pgbench() -> anyhow::Result<Vec<Row>> {
    crate::step::say("PostgreSQL: pgbench single-row INSERT, synchronous_commit=on");
    let version = start_cluster_version()?;
    let pgbench = format!("/usr/lib/postgresql/{version}/bin/pgbench");
    let _ = psql("postgres", "CREATE DATABASE alumni_bench");
    psql(
        "alumni_bench",
        "DROP TABLE IF EXISTS consent_bench; CREATE TABLE consent_bench (id bigserial PRIMARY KEY, v integer NOT NULL)",
    )?;
    let script = std::env::temp_dir().join("alumni-pgbench-insert.sql");
    std::fs::write(&script, "\\set r random(1, 1000000)\nINSERT INTO consent_bench (v) VALUES (:r);\n")?;
    let _ = Command::new("chmod").arg("644").arg(&script).status();
    let mut rows = Vec::new();
    for clients in [1, 64] {
        let jobs = clients.min(2).to_string();
        let out = Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                "env",
                "PGOPTIONS=-c synchronous_commit=on",
                &pgbench,
                "-n",
                "-M",
                "prepared",
                "-T",
                "10",
            ])
            .args(["-c", &clients.to_string(), "-j", &jobs, "-f"])
            .arg(&script)
            .arg("alumni_bench")
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        anyhow::ensure!(out.status.success(), "pgbench failed: {text}{}", String::from_utf8_lossy(&out.stderr));
        let tps = text
            .lines()
            .find(|l| l.starts_with("tps"))
            .and_then(|l| l.split_whitespace().nth(2))
            .ok_or_else(|| anyhow::anyhow!("no tps line in pgbench's output: {text}"))?
            .to_owned();
        let latency =
            text.lines().find(|l| l.starts_with("latency average")).map(|l| l.trim().to_owned()).unwrap_or_default();
        println!("    {clients} client(s): {tps} TPS ({latency})");
        rows.push(Row {
            what: format!(
                "peer: PostgreSQL {version} single-row INSERT, synchronous_commit=on, {clients} client{} (same machine)",
                if clients == 1 { "" } else { "s" }
            ),
            value: format!("{:.0} TPS ({latency})", tps.parse::<f64>().unwrap_or(f64::NAN)),
            target: "reference for one durable write".into(),
            command: format!("pgbench -n -M prepared -T 10 -c {clients} -j {jobs} -f insert.sql (INSERT INTO consent_bench (v) VALUES (:r))"),
        });
    }
    Ok(rows)
}

pub fn soak(seconds: u64) -> anyhow::Result<()> {
    let bin = release_binary()?;
    let dir = scratch("soak")?;
    let mut collector = Collector::start(&bin, &dir.join("consent.toml"), &dir, true, None)?;
    let rt = runtime()?;
    let client = Client::new(&collector.url, 256)?;
    let config = rt.block_on(client.widget_config())?;
    let rss_start = collector.rss_kib().unwrap_or(0);
    crate::step::say(&format!("soak: {RATE} submissions/s for {seconds} s (fresh challenge and signature each)"));
    println!("    RSS at start: {} KiB", rss_start);
    let mut samples = vec![(0u64, rss_start)];
    let stats = rt.block_on(load::soak(&client, &config, seconds, RATE, Duration::from_secs(30), |t| {
        let rss = collector.rss_kib().unwrap_or(0);
        println!("    {:>4} s: RSS {rss} KiB", t.as_secs());
        samples.push((t.as_secs(), rss));
    }))?;
    let rss_end = collector.rss_kib().unwrap_or(0);
    collector.kill9();
    let found = collector.durable(&stats.accepted)?;
    collector.verify()?;
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0).max(rss_end);
    let rss_row = samples.iter().map(|(t, kib)| format!("{t} s: {:.1}", *kib as f64 / 1024.0)).collect::<Vec<_>>();
    let report = format!(
        "# Soak\n\nMachine: {} cores, {}. Date: {}. Produced by `cargo xtask bench --soak {seconds}` (release collector, \
         SQLite WAL synchronous=FULL, emails delivered to an outbox folder; each submission fetches its own challenge \
         and is signed by its own P-256 key during the run).\n\n\
         | soak | measured |\n| --- | --- |\n| length | {seconds} s at {RATE}/s |\n\
         | offered | {} ({:.0}/s) |\n| not sent within 1 s of schedule (client behind) | {} |\n| accepted | {} |\n| errors | {} ({}) |\n\
         | RSS start → end (peak) | {:.1} MB → {:.1} MB ({:.1} MB) |\n| RSS every 30 s, MB | {} |\n\
         | latency p50 / p99 / max | {:.1} ms / {:.1} ms / {:.1} ms |\n\
         | durable after kill -9 | {found}/{}, `collector verify` passes |\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::env::consts::ARCH,
        super::date(),
        stats.latencies_us.len(),
        stats.latencies_us.len() as f64 / stats.elapsed.as_secs_f64().max(1e-9),
        stats.unsent,
        stats.accepted.len(),
        stats.error_count(),
        errors(&stats),
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        peak as f64 / 1024.0,
        rss_row.join(", "),
        stats.quantile_ms(0.5),
        stats.quantile_ms(0.99),
        stats.quantile_ms(1.0),
        stats.accepted.len()
    );
    println!("\n{report}");
    std::fs::create_dir_all(root().join("docs"))?;
    std::fs::write(root().join("docs/soak.md"), &report)?;
    println!("written to docs/soak.md");
    anyhow::ensure!(found == stats.accepted.len(), "acknowledged submissions lost after kill -9");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::median_index;

    #[test]
    fn the_median_round_is_the_middle_one_by_value_and_the_lower_middle_for_an_even_count() {
        assert_eq!(median_index(&[3.0, 1.0, 2.0]), 2);
        assert_eq!(median_index(&[4.0, 1.0, 3.0, 2.0]), 3);
        assert_eq!(median_index(&[5.0]), 0);
    }
}
