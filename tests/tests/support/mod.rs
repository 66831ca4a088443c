//! What the hostile-input and crash tests share: the real collector binary on loopback with its own data folder,
//! the device that signs like WebCrypto and the valid submissions to mutate (from test-kit), and a direct
//! look at the ledger's SQLite file to prove what was (not) stored.
#![allow(dead_code)]

use consent::protocol::{SignedEnvelope, WidgetConfig};
use e2e::{bin, free_port, root};
use reqwest::blocking::Client;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use test_kit::Serve;
pub use test_kit::{Alumnus, Device, ORIGIN, SITE};

/// A collector process on a loopback port; killed with SIGKILL on drop.
pub struct Server {
    process: Option<Serve>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    port: u16,
    /// The data folder (`ledger.sqlite3` inside).
    pub data: PathBuf,
    config: PathBuf,
}

impl Server {
    /// Copies the association example's `consent.toml` into `dir` and starts a collector on it, data in
    /// `dir/data`, no rate limit (these tests send many requests from one IP on purpose), and no email transport:
    /// confirmation emails stay in the durable queue, so that its row count changes only with submissions.
    pub fn start(dir: &Path) -> Server {
        let config = dir.join("consent.toml");
        std::fs::copy(root().join("examples/association-exemple/consent.toml"), &config)
            .unwrap_or_else(|e| panic!("copy consent.toml: {e}"));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("mkdir data: {e}"));
        let port = free_port();
        let mut server = Server { process: None, url: format!("http://127.0.0.1:{port}"), port, data, config };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut command = Command::new(bin("collector"));
        command
            .env_remove("DATABASE_URL")
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data")
            .arg(&self.data)
            .arg("--public-url")
            .arg(&self.url)
            .args(["--ip-rate-limit", "0", "--email-rate-limit", "0"])
            .stderr(Stdio::null());
        self.process = Some(Serve::spawn(&mut command).unwrap_or_else(|e| panic!("{e}")));
    }

    /// SIGKILL, no chance to flush anything.
    pub fn kill9(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill9();
        }
    }

    /// Starts again on the same port and data folder.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// `collector verify --data DIR`: whether it passed, and what it printed.
    pub fn verify(&self) -> (bool, String) {
        let out = Command::new(bin("collector"))
            .env_remove("DATABASE_URL")
            .arg("verify")
            .arg("--data")
            .arg(&self.data)
            .output()
            .unwrap_or_else(|e| panic!("collector verify: {e}"));
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// The ledger file.
    pub fn ledger(&self) -> Ledger {
        Ledger::open(&self.data.join("ledger.sqlite3"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A read-only look at the SQLite ledger.
pub struct Ledger(rusqlite::Connection);

/// The tables that hold anything a submission brings: the chain, the projection, personal data, the mail queue
/// and the used challenge nonces.
pub const TABLES: [&str; 7] = ["events", "records", "record_data", "subjects", "consents", "mail_queue", "used_nonces"];

impl Ledger {
    /// Opens the file read-only.
    pub fn open(path: &Path) -> Ledger {
        let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        conn.busy_timeout(Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e}"));
        Ledger(conn)
    }

    /// Rows per table of [`TABLES`].
    pub fn counts(&self) -> BTreeMap<&'static str, i64> {
        TABLES
            .iter()
            .map(|t| {
                let n = self
                    .0
                    .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                    .unwrap_or_else(|e| panic!("count {t}: {e}"));
                (*t, n)
            })
            .collect()
    }

    /// Every record id in the `records` table.
    pub fn record_ids(&self) -> std::collections::BTreeSet<String> {
        let mut stmt = self.0.prepare("SELECT record_id FROM records").unwrap_or_else(|e| panic!("{e}"));
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{e}"))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The body (canonical JSON) of the event at `seq`.
    pub fn event(&self, seq: u64) -> Option<String> {
        self.0.query_row("SELECT body FROM events WHERE seq = ?1", [seq as i64], |r| r.get(0)).ok()
    }
}

/// The HTTP side, as the widget on an allowed page would speak.
pub struct Api {
    client: Client,
    /// Base URL.
    pub url: String,
}

/// An answer: status, `Content-Type`, body as JSON (or `Null`).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// The body, parsed.
    pub json: serde_json::Value,
}

impl Answer {
    /// The problem `type` URI, if the body is a problem.
    pub fn problem_type(&self) -> Option<&str> {
        self.json.get("type").and_then(serde_json::Value::as_str)
    }
}

impl Api {
    /// A client for `url`.
    pub fn new(url: &str) -> Api {
        let client = Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|e| panic!("reqwest client: {e}"));
        Api { client, url: url.to_owned() }
    }

    /// `GET /v1/sites/{site}/config`.
    pub fn widget_config(&self) -> WidgetConfig {
        let response = self
            .client
            .get(format!("{}/v1/sites/{SITE}/config", self.url))
            .header("Origin", ORIGIN)
            .send()
            .unwrap_or_else(|e| panic!("GET config: {e}"));
        response.json().unwrap_or_else(|e| panic!("config JSON: {e}"))
    }

    /// `GET /v1/challenge?site=`: a fresh token.
    pub fn challenge(&self) -> Result<String, String> {
        let response = self
            .client
            .get(format!("{}/v1/challenge?site={SITE}", self.url))
            .header("Origin", ORIGIN)
            .send()
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("challenge: HTTP {}", response.status()));
        }
        let value: serde_json::Value = response.json().map_err(|e| e.to_string())?;
        value.get("token").and_then(serde_json::Value::as_str).map(str::to_owned).ok_or_else(|| "no token".into())
    }

    /// `POST /v1/submissions` with these exact bytes, from `origin` (none when `None`).
    pub fn post(&self, body: Vec<u8>, origin: Option<&str>) -> Result<Answer, String> {
        let mut request = self
            .client
            .post(format!("{}/v1/submissions", self.url))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let bytes = response.bytes().map_err(|e| e.to_string())?;
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        Ok(Answer { status, content_type, json })
    }

    /// Posts an envelope from the allowed origin.
    pub fn submit(&self, envelope: &SignedEnvelope) -> Result<Answer, String> {
        self.post(serde_json::to_vec(envelope).unwrap_or_default(), Some(ORIGIN))
    }
}
