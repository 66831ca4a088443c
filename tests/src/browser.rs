//! Headless Debian Chromium through chromedriver (the flags of the project's guide) or headless Firefox ESR
//! through geckodriver; a fresh profile each time.

use crate::workspace::{free_port, root, wait_until};
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process and a WebDriver session on it.
pub struct Browser {
    driver: Child,
    /// The WebDriver client.
    pub client: Client,
    _profile: tempfile::TempDir,
}

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

/// The browsers the end-to-end tests run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium (`$CHROMIUM`, `$CHROMEDRIVER`).
    Chromium,
    /// Debian's Firefox ESR (`$FIREFOX`, `$GECKODRIVER`).
    Firefox,
}

impl Engine {
    /// The driver's path and the capabilities of a headless session with a fresh profile in `profile`.
    fn session(self, profile: &std::path::Path) -> (String, Value) {
        let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        match self {
            Engine::Chromium => {
                let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
                args.push(format!("--user-data-dir={}", profile.display()));
                let binary = var("CHROMIUM", "/usr/bin/chromium");
                (
                    var("CHROMEDRIVER", "/usr/bin/chromedriver"),
                    json!({ "goog:chromeOptions": { "binary": binary, "args": args } }),
                )
            }
            Engine::Firefox => {
                let home = std::env::var("HOME").unwrap_or_default();
                let args =
                    ["-headless", "-profile", &profile.display().to_string(), "-width", "1280", "-height", "900"]
                        .map(str::to_owned);
                let binary = var("FIREFOX", "/usr/bin/firefox-esr");
                (
                    var("GECKODRIVER", &format!("{home}/.cargo/bin/geckodriver")),
                    json!({ "moz:firefoxOptions": { "binary": binary, "args": args } }),
                )
            }
        }
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub async fn start() -> anyhow::Result<Browser> {
        Browser::start_in(Engine::Chromium).await
    }

    /// Starts `engine`'s driver and a headless browser with a fresh profile.
    pub async fn start_in(engine: Engine) -> anyhow::Result<Browser> {
        let profile = tempfile::tempdir()?;
        let (driver_path, caps) = engine.session(profile.path());
        let port = free_port();
        // Chromium leaves a ≈ 70 MB `scoped_dir` in $TMPDIR per run when it is killed: keep it inside the profile,
        // which is removed with the session, so that test runs do not fill the disk.
        let tmp = profile.path().join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .env("TMPDIR", &tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("{driver_path}: {e}; `cargo xtask test` installs the {engine:?} driver"))?;
        wait_until(Duration::from_secs(20), || TcpStream::connect(("127.0.0.1", port)).ok())
            .ok_or_else(|| anyhow::anyhow!("{driver_path} did not listen"))?;
        let Value::Object(caps) = caps else { anyhow::bail!("capabilities are an object") };
        // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client =
            ClientBuilder::new(connector).capabilities(caps).connect(&format!("http://127.0.0.1:{port}")).await?;
        Ok(Browser { driver, client, _profile: profile })
    }

    /// The browser's fresh profile folder (named on its processes' command line).
    pub fn profile(&self) -> &std::path::Path {
        self._profile.path()
    }

    /// Opens a page.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.client.goto(url).await?;
        Ok(())
    }

    /// The shadow root of the n-th (0-based) widget host on the page, waiting for it to appear.
    pub async fn widget(&self, n: usize) -> anyhow::Result<ShadowRoot> {
        for _ in 0..200 {
            let hosts = self.client.find_all(Locator::Css("div.alumni-consent")).await?;
            if let Some(host) = hosts.get(n)
                && let Ok(root) = host.shadow_root().await
            {
                return Ok(root);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("no widget #{n} rendered on {}", self.client.current_url().await?)
    }

    /// Waits for `css` inside a shadow root.
    pub async fn wait_in(&self, root: &ShadowRoot, css: &str) -> anyhow::Result<Element> {
        for _ in 0..300 {
            if let Ok(e) = root.find(Locator::Css(css)).await {
                return Ok(e);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("`{css}` never appeared in the widget")
    }

    /// Waits until the text of `css` inside the shadow root contains `needle`, and returns it.
    pub async fn wait_text(&self, root: &ShadowRoot, css: &str, needle: &str) -> anyhow::Result<String> {
        let mut last = String::new();
        for _ in 0..400 {
            if let Ok(e) = root.find(Locator::Css(css)).await {
                last = e.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("`{css}` never said « {needle} »; last text: « {last} »")
    }

    /// Saves a screenshot under `target/e2e/{name}.png` for humans to look at.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<()> {
        let png = self.client.screenshot().await?;
        let dir = root().join("target/e2e");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// Runs axe-core (WCAG 2.1 A and AA rules) on the page and returns the violations.
    pub async fn axe(&self) -> anyhow::Result<Vec<Value>> {
        let path = root().join(".tools/node/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("{}: {e}; `cargo xtask test` installs axe-core", path.display()))?;
        self.client.execute(&source, vec![]).await?;
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
                    .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![],
            )
            .await?;
        Ok(result.as_array().cloned().unwrap_or_default())
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Killing the driver leaves the browser it started running, reparented to init, until the machine stops
        // (seen: a whole Chromium left by every test run that dropped its session without `close`). Each browser
        // runs on this session's own fresh profile folder, named on its command line: that finds exactly its
        // processes, and no other test's.
        let profile = self._profile.path().display().to_string();
        let _ = Command::new("pkill").args(["-KILL", "-f", "--", &profile]).status();
    }
}
