//! The staff console rows: the dashboard of a site whose ledger holds 1,000,000 events (SQLite and PostgreSQL),
//! the register search by email and the proof bundle of a subject with 20 events, each timed as a signed-in
//! admin's browser would see it: HTTP requests to the release collector on loopback, p50 over repeated requests
//! after one warm-up request (which builds the dashboard's read model from the chain, once per process, and
//! makes the first chain checkpoint).
//!
//! The ledger is written by the collector's own code (`collector/examples/staff_bench_ledger.rs`), so that its
//! chain and tables are what `serve` writes; `collector verify` checks it before the timing.

use super::Row;
use super::collector::{postgres_database, release_binary, scratch};
use super::load::Collector;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Ledger events the timed site holds.
const EVENTS: u64 = 1_000_000;
/// Timed requests per figure.
const RUNS: usize = 30;
/// The admin the benchmark signs in as.
const ADMIN: &str = "bench.admin@example.org";
const PASSWORD: &str = "correct horse battery staple 42";
/// The subject with 20 events (see the example).
const PROOF_SUBJECT: &str = "proof.subject@example.org";

/// A signed-in console session.
struct Console {
    http: reqwest::blocking::Client,
    base: String,
    cookie: String,
    csrf: String,
}

/// The value of `name="csrf" value="…"` in a page.
fn csrf_of(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().map(str::to_owned)
}

/// The cookie `name` a response sets, as `name=value`.
fn cookie(response: &reqwest::blocking::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix) && !v.starts_with(&format!("{prefix};")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

impl Console {
    /// Creates the admin with `collector staff add`, sets its password through the one-time link, signs in.
    fn sign_in(bin: &Path, collector: &Collector, database: Option<&str>) -> anyhow::Result<Console> {
        let mut add = Command::new(bin);
        add.env_remove("DATABASE_URL").args(["staff", "add", ADMIN, "--role", "admin", "--data"]).arg(&collector.data);
        if let Some(url) = database {
            add.arg("--database").arg(url);
        }
        let out = add.output()?;
        anyhow::ensure!(out.status.success(), "collector staff add: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let link = text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains("/staff/"))
            .ok_or_else(|| anyhow::anyhow!("no one-time link in: {text}"))?;
        let path = &link[link.find("/staff/").unwrap_or(0)..];
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(120))
            .build()?;
        let base = collector.url.clone();
        let origin = base.clone();
        let form_page = http.get(format!("{base}{path}")).send()?;
        let login_cookie = cookie(&form_page, "staff_login").unwrap_or_default();
        let csrf = csrf_of(&form_page.text()?).unwrap_or_default();
        let set = http
            .post(format!("{base}{path}"))
            .header("Origin", &origin)
            .header("Cookie", &login_cookie)
            .form(&[("csrf", csrf.as_str()), ("password", PASSWORD), ("confirm", PASSWORD)])
            .send()?;
        anyhow::ensure!(set.status().is_success() || set.status().is_redirection(), "set password: {}", set.status());
        let login = http.get(format!("{base}/staff/login")).send()?;
        let login_cookie = cookie(&login, "staff_login").unwrap_or(login_cookie);
        let csrf = csrf_of(&login.text()?).unwrap_or_default();
        let signed = http
            .post(format!("{base}/staff/login"))
            .header("Origin", &origin)
            .header("Cookie", &login_cookie)
            .form(&[("csrf", csrf.as_str()), ("email", ADMIN), ("password", PASSWORD)])
            .send()?;
        let session = cookie(&signed, "staff_session")
            .ok_or_else(|| anyhow::anyhow!("sign-in set no session ({})", signed.status()))?;
        let mut console = Console { http, base, cookie: session, csrf: String::new() };
        let dashboard = console.get("/staff/dashboard")?;
        console.csrf = csrf_of(&dashboard).unwrap_or_default();
        Ok(console)
    }

    fn get(&self, path: &str) -> anyhow::Result<String> {
        let response = self.http.get(format!("{}{path}", self.base)).header("Cookie", &self.cookie).send()?;
        anyhow::ensure!(
            response.status().is_success() || response.status().is_redirection(),
            "GET {path}: {}",
            response.status()
        );
        let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
        Ok(location.unwrap_or(response.text()?))
    }

    fn post(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .header("Origin", &self.base)
            .form(&[("csrf", self.csrf.as_str())])
            .send()?;
        anyhow::ensure!(response.status().is_success(), "POST {path}: {}", response.status());
        Ok(response.bytes()?.to_vec())
    }
}

/// p50 of `RUNS` timed calls after one warm-up call, in ms.
fn p50(mut call: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    call()?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        call()?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[RUNS / 2])
}

/// The three figures on one backend.
fn measure(bin: &Path, example: &Path, database: Option<&str>, name: &str) -> anyhow::Result<Vec<(String, f64)>> {
    let dir = scratch(&format!("staff-{name}"))?;
    crate::step::say(&format!("staff ({name}): writing a ledger of {EVENTS} events"));
    let mut fill = Command::new(example);
    fill.arg(dir.join("data")).arg(EVENTS.to_string());
    if let Some(url) = database {
        fill.arg(url);
    }
    crate::step::run(&mut fill)?;
    let collector = Collector::start(bin, &dir.join("consent.toml"), &dir, false, database)?;
    collector.verify()?;
    let console = Console::sign_in(bin, &collector, database)?;
    crate::step::say(&format!("staff ({name}): dashboard, register search, proof bundle"));
    let started = Instant::now();
    console.get("/staff/dashboard?site=association-exemple&period=12m")?;
    println!("    first dashboard (read model built from the chain): {:.1} s", started.elapsed().as_secs_f64());
    let page = console.get("/staff/dashboard?site=association-exemple&period=12m")?;
    anyhow::ensure!(
        page.contains("/portrait-lea-moreau/") && page.contains("chart-inforce"),
        "the dashboard shows no attribution or chart: {}",
        page.get(..300).unwrap_or(&page)
    );
    let dashboard = p50(|| console.get("/staff/dashboard?site=association-exemple&period=12m").map(drop))?;
    let search_path = format!("/staff/register?q={}", PROOF_SUBJECT.replace('@', "%40"));
    let subject = console.get(&search_path)?;
    anyhow::ensure!(subject.starts_with("/staff/register/"), "the search did not find the subject: {subject}");
    let search = p50(|| console.get(&search_path).map(drop))?;
    let started = Instant::now();
    let bundle = console.post(&format!("{subject}/proof"))?;
    println!(
        "    first proof bundle (chain checked from genesis): {:.1} s, {} bytes",
        started.elapsed().as_secs_f64(),
        bundle.len()
    );
    let proof = p50(|| console.post(&format!("{subject}/proof")).map(drop))?;
    println!("    dashboard p50 {dashboard:.1} ms, search p50 {search:.2} ms, proof bundle p50 {proof:.1} ms");
    drop(collector);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![("dashboard".into(), dashboard), ("search".into(), search), ("proof".into(), proof)])
}

/// The staff rows.
pub fn rows() -> anyhow::Result<Vec<Row>> {
    let bin = release_binary()?;
    crate::step::run(crate::step::cargo().args([
        "build",
        "--release",
        "-p",
        "collector",
        "--example",
        "staff_bench_ledger",
    ]))?;
    let example = bin.with_file_name("examples").join("staff_bench_ledger");
    let command = "cargo xtask bench --only staff";
    let mut rows = Vec::new();
    let sqlite = measure(&bin, &example, None, "sqlite")?;
    let figure = |set: &[(String, f64)], name: &str| set.iter().find(|(n, _)| n == name).map_or(0.0, |(_, v)| *v);
    rows.push(Row {
        what: "staff dashboard, 12 months, site with 1,000,000 ledger events, SQLite (p50 of 30, HTTP)".into(),
        value: format!("{:.1} ms", figure(&sqlite, "dashboard")),
        target: "≤ 150 ms".into(),
        command: command.into(),
    });
    let pg = match super::collector::start_cluster().and_then(|()| postgres_database()) {
        Ok(url) => {
            let pg = measure(&bin, &example, Some(&url), "postgres")?;
            rows.push(Row {
                what: "staff dashboard, 12 months, 1,000,000 ledger events, PostgreSQL (p50 of 30, HTTP)".into(),
                value: format!("{:.1} ms", figure(&pg, "dashboard")),
                target: "≤ 150 ms".into(),
                command: command.into(),
            });
            Some(pg)
        }
        Err(e) => {
            println!("    PostgreSQL unavailable, its rows are left out: {e}");
            None
        }
    };
    rows.push(Row {
        what: "register search by exact email, 1,000,000 events, SQLite (p50 of 30, HTTP)".into(),
        value: format!("{:.2} ms", figure(&sqlite, "search")),
        target: "≤ 10 ms".into(),
        command: command.into(),
    });
    if let Some(pg) = &pg {
        rows.push(Row {
            what: "register search by exact email, 1,000,000 events, PostgreSQL (p50 of 30, HTTP)".into(),
            value: format!("{:.2} ms", figure(pg, "search")),
            target: "≤ 10 ms".into(),
            command: command.into(),
        });
    }
    rows.push(Row {
        what: "proof bundle (ZIP) of a subject with 20 events, chain checked to the head, SQLite (p50 of 30, HTTP)"
            .into(),
        value: format!("{:.1} ms", figure(&sqlite, "proof")),
        target: "≤ 50 ms".into(),
        command: command.into(),
    });
    Ok(rows)
}
