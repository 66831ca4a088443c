//! The widget rows of the benchmark table: the bundle's transfer size (gzip -9) next to Klaro, Orejime and
//! tarteaucitron from their npm packages, measured the same way; what a page loads before its CTA works and after
//! a click, the time from the script's start to an interactive CTA and from a click on it to the dialog (cold), in
//! headless Chromium, and the start-up in headless Firefox ESR (medians of 20 cold page loads, fresh profiles).

use super::Row;
use crate::tools;
use crate::widget::{self, gzip_size, kb};
use anyhow::Context;
use std::net::TcpListener;
use std::path::Path;
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
        what: "widget files, gzip -9: loader (stylesheet inside) + form (wasm + glue)".into(),
        value: format!(
            "{} ({} loader + {} wasm + {} glue)",
            kb(size.total()),
            kb(size.loader),
            kb(size.wasm),
            kb(size.form)
        ),
        target: "≤ 45 KB to a submitted form (≤ 40 KB: DESIGN §11)".into(),
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
    let site = BenchSite::new(&dist)?;
    match site.loads(Engine::Chromium, PAGE_FILE) {
        Ok(loads) => rows.extend(chromium_rows(&site, &loads)?),
        Err(error) => eprintln!("Chromium loads not measured: {error:#}"),
    }
    match site.loads(Engine::Chromium, BARE_FILE) {
        Ok(loads) => rows.push(Row {
            what: format!(
                "widget: script start → CTA interactive without the snippet's preload hints (the config is asked for \
                 when the loader runs), headless Chromium, cold, median of {LOADS}"
            ),
            value: format!("{:.1} ms", median_of(&loads, |l| l.from_script)),
            target: "context".into(),
            command: "cargo xtask bench --only widget".into(),
        }),
        Err(error) => eprintln!("Chromium loads without hints not measured: {error:#}"),
    }
    match site.loads(Engine::Firefox, PAGE_FILE) {
        Ok(loads) => rows.extend([
            Row {
                what: format!(
                    "widget: script start → CTA interactive, headless Firefox ESR (fresh profile), cold, median of \
                     {LOADS}"
                ),
                value: format!("{:.1} ms", median_of(&loads, |l| l.from_script)),
                target: "≤ 20 ms".into(),
                command: "cargo xtask bench --only widget".into(),
            },
            Row {
                what: format!(
                    "widget: click on the CTA → dialog shown, cold, headless Firefox ESR (fresh profile), median of \
                     {LOADS}"
                ),
                value: format!("{:.1} ms", median_of(&loads, |l| l.click_to_dialog)),
                target: "context (target set for Chromium)".into(),
                command: "cargo xtask bench --only widget".into(),
            },
        ]),
        Err(error) => eprintln!("Firefox loads not measured: {error:#}"),
    }
    Ok(rows)
}

fn median_of(loads: &[Load], pick: fn(&Load) -> f64) -> f64 {
    median(&mut loads.iter().map(pick).collect::<Vec<_>>())
}

/// The Chromium rows: bytes before the CTA works and after the click, the times.
fn chromium_rows(site: &BenchSite, loads: &[Load]) -> anyhow::Result<Vec<Row>> {
    let first = loads.first().context("no load")?;
    let (before, after) = (site.gzip_of(&first.before)?, site.gzip_of(&first.after)?);
    let times = |pick: fn(&Load) -> f64| median_of(loads, pick);
    let files =
        |names: &[String]| names.iter().filter(|f| site.dir.join(f).is_file()).cloned().collect::<Vec<_>>().join(" + ");
    Ok(vec![
        Row {
            what: format!("widget: loaded before the CTA is interactive ({}), gzip -9, Chromium", files(&first.before)),
            value: kb(before),
            target: "≤ 15 KB".into(),
            command: "cargo xtask bench --only widget".into(),
        },
        Row {
            what: format!(
                "widget: loaded after the click, up to the dialog ({}), gzip -9; nothing more until the form is \
                 submitted (challenge and answers aside)",
                files(&first.after)
            ),
            value: format!("{} (total {})", kb(after), kb(before + after)),
            target: "total ≤ 45 KB".into(),
            command: "cargo xtask bench --only widget".into(),
        },
        Row {
            what: format!(
                "widget: script start → CTA interactive (config fetched, CTA drawn), headless Chromium, cold, median \
                 of {LOADS}"
            ),
            value: format!("{:.1} ms", times(|l| l.from_script)),
            target: "≤ 20 ms".into(),
            command: "cargo xtask bench --only widget".into(),
        },
        Row {
            what: format!(
                "widget: page start → CTA interactive (the same loads, also downloading the script from a loopback \
                 server), median of {LOADS}"
            ),
            value: format!("{:.1} ms", times(|l| l.from_page)),
            target: "context".into(),
            command: "cargo xtask bench --only widget".into(),
        },
        Row {
            what: format!(
                "widget: click on the CTA → dialog shown, cold (form not loaded yet: glue + wasm fetched, compiled, \
                 form built), headless Chromium, loopback, median of {LOADS}"
            ),
            value: format!("{:.1} ms", times(|l| l.click_to_dialog)),
            target: "≤ 100 ms".into(),
            command: "cargo xtask bench --only widget".into(),
        },
    ])
}

fn package_version(dir: &Path) -> Option<String> {
    // Top-level `"version": "x.y.z"` (npm writes it before any nested object's).
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let rest = text.split("\"version\"").nth(1)?;
    Some(rest.split('"').nth(1)?.to_owned())
}

/// The measured page's file, and the same page without the preload hints.
const PAGE_FILE: &str = "index.html";
const BARE_FILE: &str = "bare.html";

/// The page measured, with the snippet of `examples/embed/plain.html` (hints included). An inline script marks the
/// page's start; the widget's own start is the loader's first line (its `alumni-consent:start` performance mark;
/// without one, the later of an inline module's run placed just before the widget's and the arrival of its file,
/// which ran up to 30 ms before the loader itself on the loaded shared machine). A `MessageChannel`
/// loop (which timers' 4 ms clamping does not slow) checks after every task for the CTA button inside the shadow
/// root, notes the time and the files loaded so far, clicks it at once (the form is not loaded: cold), waits for the
/// open dialog and writes `page;script;click;before;after` into `#result` (the file lists space-separated). The
/// hints are the snippet's: the loader as a module preload, the config as a fetch preload.
const PAGE: &str = r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>bench</title>
<link rel="icon" href="data:,"><link rel="modulepreload" href="/alumni-consent.js">
<link rel="preload" as="fetch" crossorigin href="/config.json"></head><body>
<pre id="result">pending</pre>
<script>
  const t0 = performance.now();
  const files = () => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname.slice(1)).join(' ');
  let ctaAt, clickAt, before;
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const host = document.querySelector('.alumni-consent');
    const root = host && host.shadowRoot;
    const cta = root && root.querySelector('button.cta');
    if (cta && ctaAt === undefined) {
      ctaAt = performance.now();
      before = files();
      clickAt = performance.now();
      cta.click();
    }
    if (root && root.querySelector('dialog[open]')) {
      const now = performance.now();
      const file = performance.getEntriesByType('resource').find(e => e.name.endsWith('/alumni-consent.js'));
      const mark = performance.getEntriesByName('alumni-consent:start')[0];
      const start = mark ? mark.startTime : Math.max(window.moduleStart || 0, file ? file.responseEnd : 0);
      // Resource entries are queued: the wasm's may be listed a little after the dialog it built is shown.
      setTimeout(() => document.getElementById('result').textContent = 'ms=' + [(ctaAt - t0).toFixed(2),
        (ctaAt - start).toFixed(2), (now - clickAt).toFixed(2), before, files()].join(';'), 300);
    }
    else { channel.port2.postMessage(0); }
  };
  channel.port2.postMessage(0);
</script>
<script type="module">window.moduleStart = performance.now();</script>
<script type="module" src="/alumni-consent.js" data-config="/config.json" data-site="association-exemple"
        data-endpoint="http://127.0.0.1:9" data-cta="join"></script>
</body></html>"#;

/// Serves a folder on a free loopback port (axum + tower-http's ServeDir, HTTP/1.1 keep-alive, as a real host
/// would; Python's one-request-at-a-time http.server added tens of milliseconds), until dropped.
struct StaticSite {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn serve(dir: &Path) -> anyhow::Result<StaticSite> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let Ok(runtime) = runtime else { return };
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    wait_for_port(port)?;
    Ok(StaticSite { port, stop: Some(stop) })
}

/// One cold load, as the page measured it (ms; file names relative to the site).
struct Load {
    from_page: f64,
    from_script: f64,
    click_to_dialog: f64,
    /// Files loaded when the CTA became interactive.
    before: Vec<String>,
    /// Files loaded after, up to the open dialog.
    after: Vec<String>,
}

/// The browsers the loads run in.
#[derive(Clone, Copy)]
enum Engine {
    Chromium,
    Firefox,
}

/// A child process (chromedriver) killed when dropped.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The bench page and the bundle, served on loopback.
struct BenchSite {
    dir: std::path::PathBuf,
    server: StaticSite,
}

impl BenchSite {
    fn new(dist: &Path) -> anyhow::Result<BenchSite> {
        let dir = tools::workspace_root().join("target/bench-widget");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(dist)? {
            let entry = entry?;
            std::fs::copy(entry.path(), dir.join(entry.file_name()))?;
        }
        std::fs::copy(
            tools::workspace_root().join("examples/embed/association-exemple.config.json"),
            dir.join("config.json"),
        )?;
        std::fs::write(dir.join(PAGE_FILE), PAGE)?;
        let bare = PAGE
            .replace(r#"<link rel="modulepreload" href="/alumni-consent.js">"#, "")
            .replace(r#"<link rel="preload" as="fetch" crossorigin href="/config.json">"#, "");
        anyhow::ensure!(!bare.contains("preload"), "the page without hints still has one");
        std::fs::write(dir.join(BARE_FILE), bare)?;
        let server = serve(&dir)?;
        Ok(BenchSite { dir, server })
    }

    /// The gzip -9 size of these files of the site (a request for anything else, e.g. a browser's own
    /// `favicon.ico`, answered 404, is not the widget's).
    fn gzip_of(&self, files: &[String]) -> anyhow::Result<u64> {
        let mut total = 0;
        for file in files.iter().filter(|f| self.dir.join(f).is_file()) {
            total += gzip_size(&std::fs::read(self.dir.join(file)).with_context(|| file.clone())?)?;
        }
        Ok(total)
    }

    /// [`LOADS`] cold loads of `page` in `engine`, each in a fresh browser.
    fn loads(&self, engine: Engine, page: &str) -> anyhow::Result<Vec<Load>> {
        let (driver, capabilities) = match engine {
            Engine::Chromium => {
                let (chromium, chromedriver) = tools::ensure_chromium()?;
                let capabilities = format!(
                    r#"{{"capabilities":{{"alwaysMatch":{{"goog:chromeOptions":{{"binary":"{}","args":["--headless","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--disable-background-networking","--disable-component-update","--disable-sync","--no-first-run"]}}}}}}}}"#,
                    chromium.display()
                );
                (chromedriver, capabilities)
            }
            Engine::Firefox => {
                let (firefox, geckodriver) = tools::ensure_firefox()?;
                let capabilities = format!(
                    r#"{{"capabilities":{{"alwaysMatch":{{"browserName":"firefox","moz:firefoxOptions":{{"binary":"{}","args":["-headless"]}}}}}}}}"#,
                    firefox.display()
                );
                (geckodriver, capabilities)
            }
        };
        let driver_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&driver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", driver.display()))?;
        let driver = Server(child, driver_port);
        wait_for_port(driver_port)?;
        (0..LOADS).map(|_| load_once(&capabilities, driver.1, self.server.port, page)).collect()
    }
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    let n = times.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { times[n / 2] } else { (times[n / 2 - 1] + times[n / 2]) / 2.0 }
}

fn wait_for_port(port: u16) -> anyhow::Result<()> {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    anyhow::bail!("nothing listens on port {port}")
}

/// One WebDriver command over plain HTTP/1.1 (a few calls do not justify a WebDriver crate in xtask).
fn webdriver(port: u16, method: &str, path: &str, body: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    // chromedriver keeps the connection open: read the head, then exactly Content-Length bytes.
    let mut reader = std::io::BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        anyhow::ensure!(reader.read_line(&mut line)? > 0, "chromedriver closed the connection");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The string value of `"key":"…"` in a JSON text (enough for WebDriver's answers here).
fn json_string(text: &str, key: &str) -> Option<String> {
    let rest = text.split(&format!("\"{key}\":\"")).nth(1)?;
    Some(rest.split('"').next()?.to_owned())
}

/// One cold load (a fresh browser per session), as the page measured it.
fn load_once(capabilities: &str, driver: u16, site: u16, page: &str) -> anyhow::Result<Load> {
    // Our own fresh profile, removed when the load ends: chromedriver's own
    // (/tmp/org.chromium.Chromium.scoped_dir.*, 65 MB each) is left behind when the driver is stopped right
    // after its last session.
    let profile = Profile::new()?;
    let capabilities = if capabilities.contains("goog:chromeOptions") {
        capabilities
            .replace(r#""--no-first-run""#, &format!(r#""--no-first-run","--user-data-dir={}""#, profile.0.display()))
    } else {
        capabilities.to_owned()
    };
    let session = webdriver(driver, "POST", "/session", &capabilities)?;
    let id = json_string(&session, "sessionId").with_context(|| format!("no WebDriver session: {session}"))?;
    let result = (|| {
        let url = format!(r#"{{"url":"http://127.0.0.1:{site}/{page}"}}"#);
        webdriver(driver, "POST", &format!("/session/{id}/url"), &url)?;
        let script = r#"{"script":"return document.getElementById('result').textContent","args":[]}"#;
        for _ in 0..200 {
            let answer = webdriver(driver, "POST", &format!("/session/{id}/execute/sync"), script)?;
            if let Some(load) = json_string(&answer, "value").and_then(|v| parse_load(&v)) {
                return Ok(load);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        anyhow::bail!("the CTA or its dialog never appeared")
    })();
    let _ = webdriver(driver, "DELETE", &format!("/session/{id}"), "");
    result
}

/// A browser profile folder of one load, removed when dropped.
struct Profile(std::path::PathBuf);

impl Profile {
    fn new() -> anyhow::Result<Profile> {
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("alumni-bench-browser-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Profile(dir))
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `ms=page;script;click;before;after` as the page writes it.
fn parse_load(text: &str) -> Option<Load> {
    let mut parts = text.strip_prefix("ms=")?.split(';');
    let mut number = || parts.next()?.parse::<f64>().ok();
    let (from_page, from_script, click_to_dialog) = (number()?, number()?, number()?);
    let mut before: Vec<String> = Vec::new();
    for file in parts.next()?.split_whitespace() {
        // A preloaded module may be listed twice (the hint, then the script): its bytes travel once.
        if !before.iter().any(|b| b == file) {
            before.push(file.to_owned());
        }
    }
    let after =
        parts.next()?.split_whitespace().filter(|f| !before.iter().any(|b| b == f)).map(str::to_owned).collect();
    Some(Load { from_page, from_script, click_to_dialog, before, after })
}
