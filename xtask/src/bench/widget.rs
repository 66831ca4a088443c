//! The widget rows of the benchmark table: the bundle's transfer size (gzip -9) next to Klaro, Orejime and
//! tarteaucitron from their npm packages, measured the same way, and the time from the script's start to an
//! interactive CTA in headless Chromium (median of 20 cold page loads).

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
        Ok(times) => {
            rows.push(Row {
                what: format!(
                    "widget: script start → CTA interactive (wasm fetched, compiled, config fetched, CTA rendered), \
                     headless Chromium, cold, median of {LOADS}"
                ),
                value: format!("{:.1} ms", times.from_script),
                target: "≤ 50 ms".into(),
                command: "cargo xtask bench --only widget".into(),
            });
            rows.push(Row {
                what: format!(
                    "widget: page start → CTA interactive (the same loads, also downloading the script from a \
                     loopback server), median of {LOADS}"
                ),
                value: format!("{:.1} ms", times.from_page),
                target: "context".into(),
                command: "cargo xtask bench --only widget".into(),
            });
        }
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

/// The page measured. An inline script marks the page's start; an inline module placed just before the widget's
/// runs right before it (modules run in document order), so the widget's own start is the later of that moment and
/// the arrival of its file. A `MessageChannel` loop (which timers' 4 ms clamping does not slow) then checks after
/// every task for the CTA button inside the shadow root and writes both times into `#result`.
const PAGE: &str = r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>bench</title></head><body>
<pre id="result">pending</pre>
<script>
  const t0 = performance.now();
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const host = document.querySelector('.alumni-consent');
    const cta = host && host.shadowRoot && host.shadowRoot.querySelector('button.cta');
    if (cta) {
      const now = performance.now();
      const file = performance.getEntriesByType('resource').find(e => e.name.endsWith('/alumni-consent.js'));
      const start = Math.max(window.moduleStart || 0, file ? file.responseEnd : 0);
      document.getElementById('result').textContent = 'ms=' + (now - t0).toFixed(2) + ';' + (now - start).toFixed(2);
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

/// Medians of the cold loads: from the page's start, and from the widget script's start, to an interactive CTA.
struct Startup {
    from_page: f64,
    from_script: f64,
}

/// A child process (chromedriver) killed when dropped.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn startup_median(dist: &Path) -> anyhow::Result<Startup> {
    let (chromium, chromedriver) = tools::ensure_chromium()?;
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
    let driver_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let driver = Command::new(chromedriver)
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting chromedriver")?;
    let driver = Server(driver, driver_port);
    wait_for_port(driver_port)?;
    let (mut from_page, mut from_script) = (Vec::new(), Vec::new());
    for _ in 0..LOADS {
        let (page, script) = load_once(&chromium, driver.1, server.port)?;
        from_page.push(page);
        from_script.push(script);
    }
    Ok(Startup { from_page: median(&mut from_page), from_script: median(&mut from_script) })
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

/// One cold load (a fresh browser per session); the page's own measurements in ms: from the page's start and
/// from the widget script's start.
fn load_once(chromium: &Path, driver: u16, site: u16) -> anyhow::Result<(f64, f64)> {
    let capabilities = format!(
        r#"{{"capabilities":{{"alwaysMatch":{{"goog:chromeOptions":{{"binary":"{}","args":["--headless","--no-sandbox","--disable-gpu","--disable-dev-shm-usage","--disable-background-networking","--disable-component-update","--disable-sync","--no-first-run"]}}}}}}}}"#,
        chromium.display()
    );
    let session = webdriver(driver, "POST", "/session", &capabilities)?;
    let id = json_string(&session, "sessionId").with_context(|| format!("no WebDriver session: {session}"))?;
    let result = (|| {
        let url = format!(r#"{{"url":"http://127.0.0.1:{site}/index.html"}}"#);
        webdriver(driver, "POST", &format!("/session/{id}/url"), &url)?;
        let script = r#"{"script":"return document.getElementById('result').textContent","args":[]}"#;
        for _ in 0..200 {
            let answer = webdriver(driver, "POST", &format!("/session/{id}/execute/sync"), script)?;
            let times = json_string(&answer, "value").and_then(|v| {
                let (page, script) = v.strip_prefix("ms=")?.split_once(';')?;
                Some((page.parse::<f64>().ok()?, script.parse::<f64>().ok()?))
            });
            if let Some(times) = times {
                return Ok(times);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        anyhow::bail!("the CTA never appeared")
    })();
    let _ = webdriver(driver, "DELETE", &format!("/session/{id}"), "");
    result
}
