//! The widget rows of the benchmark table: the bundle's transfer size (gzip -9) next to Klaro, Orejime and
//! tarteaucitron from their npm packages, measured the same way, and the time from the script's start to an
//! interactive CTA in headless Chromium (median of 20 cold page loads).

use super::Row;
use crate::tools;
use crate::widget::{self, gzip_size, kb};
use anyhow::Context;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The peers, as a page includes them: (name, npm package, files relative to the package).
const PEERS: &[(&str, &str, &[&str])] = &[
    ("Klaro (klaro.js, CSS and translations inside)", "klaro", &["dist/klaro.js"]),
    ("Orejime (standard, fr + CSS)", "orejime", &["dist/orejime-standard-fr.js", "dist/orejime-standard.css"]),
    (
        "tarteaucitron (core + fr + CSS)",
        "tarteaucitronjs",
        &["tarteaucitron.min.js", "lang/tarteaucitron.fr.min.js", "css/tarteaucitron.min.css"],
    ),
];

/// How many cold loads the start-up time is the median of.
const LOADS: usize = 20;

pub fn rows() -> anyhow::Result<Vec<Row>> {
    let dist = widget::run(widget::Args::default())?;
    let size = widget::measure(&dist)?;
    let mut rows = vec![Row {
        what: "widget transfer, gzip -9 (wasm + js; css inside the wasm)".into(),
        value: format!("{} ({} wasm + {} js)", kb(size.total()), kb(size.wasm), kb(size.js)),
        target: "≤ 40 KB".into(),
        command: "cargo xtask widget".into(),
    }];
    let node = tools::ensure_npm_packages(&PEERS.iter().map(|p| p.1).collect::<Vec<_>>())?;
    for (name, package, files) in PEERS {
        let dir = node.join("node_modules").join(package);
        let version = package_version(&dir).unwrap_or_else(|| "?".into());
        let mut total = 0;
        for file in *files {
            total += gzip_size(&std::fs::read(dir.join(file)).with_context(|| format!("{package}/{file}"))?)?;
        }
        rows.push(Row {
            what: format!("peer: {name} {version}, gzip -9"),
            value: kb(total),
            target: "peer (no signing, no network)".into(),
            command: format!("npm install --prefix .tools/node {package}; gzip -9 {}", files.join(" ")),
        });
    }
    match startup_median(&dist) {
        Ok(ms) => rows.push(Row {
            what: format!("widget: script start → CTA interactive, headless Chromium, median of {LOADS}"),
            value: format!("{ms:.1} ms"),
            target: "≤ 50 ms".into(),
            command: "cargo xtask bench --only widget".into(),
        }),
        Err(error) => eprintln!("start-up time not measured: {error:#}"),
    }
    Ok(rows)
}

fn package_version(dir: &Path) -> Option<String> {
    // Top-level `"version": "x.y.z"` (npm writes it before any nested object's).
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let rest = text.split("\"version\"").nth(1)?;
    Some(rest.split('"').nth(1)?.to_owned())
}

/// The page measured: a mark before the module starts, then polling (every animation frame and microtask
/// turn) for the CTA button inside the shadow root; the elapsed time is written into `#result`.
const PAGE: &str = r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>bench</title></head><body>
<script>
  const t0 = performance.now();
  function poll() {
    const host = document.querySelector('.alumni-consent');
    const cta = host && host.shadowRoot && host.shadowRoot.querySelector('button.cta');
    if (cta) { document.getElementById('result').textContent = 'ms=' + (performance.now() - t0).toFixed(2); return; }
    setTimeout(poll, 0);
  }
  poll();
</script>
<script type="module" src="/alumni-consent.js" data-config="/config.json" data-site="association-exemple"
        data-endpoint="http://127.0.0.1:9" data-cta="join"></script>
<pre id="result">pending</pre>
</body></html>"#;

/// Serves `dir` on a free loopback port with Python's http.server, for as long as the guard lives.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> anyhow::Result<Server> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string()])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting python3 -m http.server")?;
    // Wait until it accepts connections.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Server(child, port));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    anyhow::bail!("http.server did not start on port {port}")
}

fn startup_median(dist: &Path) -> anyhow::Result<f64> {
    let (chromium, _) = tools::ensure_chromium()?;
    let dir = tools::workspace_root().join("target/bench-widget");
    std::fs::create_dir_all(&dir)?;
    for file in ["alumni-consent.js", "alumni-consent_bg.wasm"] {
        std::fs::copy(dist.join(file), dir.join(file))?;
    }
    std::fs::copy(
        tools::workspace_root().join("examples/embed/association-exemple.config.json"),
        dir.join("config.json"),
    )?;
    std::fs::write(dir.join("index.html"), PAGE)?;
    let server = serve(&dir)?;
    let mut times = Vec::new();
    for _ in 0..LOADS {
        times.push(load_once(&chromium, server.1)?);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[LOADS / 2 - 1] + times[LOADS / 2]) / 2.0)
}

fn load_once(chromium: &PathBuf, port: u16) -> anyhow::Result<f64> {
    let profile = tempdir()?;
    let out = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("http://127.0.0.1:{port}/index.html"))
        .stderr(Stdio::null())
        .output()?;
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    let ms = dom
        .split("ms=")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .context("the CTA never appeared (no `ms=` in the dumped page)")?;
    Ok(ms)
}

fn tempdir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    let dir = std::env::temp_dir().join(format!("ac-bench-chromium-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
