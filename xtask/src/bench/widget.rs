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

/// The page measured: a mark before the module starts, then a check after every task (a `MessageChannel`
/// loop, which timers' 4 ms clamping does not slow) for the CTA button inside the shadow root; the elapsed
/// time is written into `#result`.
const PAGE: &str = r#"<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>bench</title></head><body>
<pre id="result">pending</pre>
<script>
  const t0 = performance.now();
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const host = document.querySelector('.alumni-consent');
    const cta = host && host.shadowRoot && host.shadowRoot.querySelector('button.cta');
    if (cta) { document.getElementById('result').textContent = 'ms=' + (performance.now() - t0).toFixed(2); }
    else { channel.port2.postMessage(0); }
  };
  channel.port2.postMessage(0);
</script>
<script type="module" src="/alumni-consent.js" data-config="/config.json" data-site="association-exemple"
        data-endpoint="http://127.0.0.1:9" data-cta="join"></script>
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
    let mut times = Vec::new();
    for _ in 0..LOADS {
        times.push(load_once(&chromium, driver.1, server.1)?);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[LOADS / 2 - 1] + times[LOADS / 2]) / 2.0)
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

/// One cold load (a fresh browser per session); the page's own measurement in ms.
fn load_once(chromium: &Path, driver: u16, site: u16) -> anyhow::Result<f64> {
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
            if let Some(ms) = json_string(&answer, "value").and_then(|v| v.strip_prefix("ms=")?.parse::<f64>().ok()) {
                return Ok(ms);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        anyhow::bail!("the CTA never appeared")
    })();
    let _ = webdriver(driver, "DELETE", &format!("/session/{id}"), "");
    result
}
