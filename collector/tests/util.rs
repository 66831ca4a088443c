//! The real `collector` binary on a loopback port, a device key made like WebCrypto's (P-256, P1363, JWK), and
//! direct reads of the ledger's SQLite file.

use consent::protocol::{ChallengeClaims, SignedEnvelope, SubmissionPayload, WidgetConfig};
use consent::signature::CollectorKey;
use reqwest::blocking::{Client, Response};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use test_kit::Serve;

/// The test site's configuration (a copy of the association example).
pub const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/consent.toml");
/// The site id, an allowed origin, the device key and valid submissions: shared with the other suites.
pub use test_kit::{Alumnus, Device, ORIGIN, SITE, free_port};

/// A running collector.
pub struct Collector {
    pub dir: tempfile::TempDir,
    pub base: String,
    /// The site's consent.toml (the association example unless the test chose another).
    pub config: PathBuf,
    pub extra: Vec<String>,
    /// Environment variables given to `serve` (credentials, SMTP_CA_FILE…).
    pub env: Vec<(String, String)>,
    process: Option<Serve>,
    pub client: Client,
}

impl Collector {
    /// Starts a collector on a fresh data folder.
    pub fn start(extra: &[&str]) -> Collector {
        Collector::start_with_config(Path::new(CONFIG), extra)
    }

    /// Starts a collector on a fresh data folder with another consent.toml for the site.
    pub fn start_with_config(config: &Path, extra: &[&str]) -> Collector {
        Collector::start_with_env(config, extra, &[])
    }

    /// [`Collector::start_with_config`] with these environment variables for `serve`.
    pub fn start_with_env(config: &Path, extra: &[&str], env: &[(&str, &str)]) -> Collector {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Collector {
            dir,
            base: String::new(),
            config: config.to_owned(),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            process: None,
            client: Client::builder().build().unwrap(),
        };
        c.spawn();
        c
    }

    /// The data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn spawn(&mut self) {
        // IPv4 loopback unless the test chose its own address (`--listen` may be given once).
        let listen: &[&str] =
            if self.extra.iter().any(|a| a == "--listen") { &[] } else { &["--listen", "127.0.0.1:0"] };
        let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
        command
            .args(["serve", "--config"])
            .arg(&self.config)
            .args(listen)
            .arg("--data")
            .arg(self.data())
            .args(&self.extra)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("COLLECTOR_LOG", "error")
            // A DATABASE_URL in the caller's environment would send every SQLite test to that server.
            .env_remove("DATABASE_URL")
            .stderr(Stdio::inherit());
        let process = Serve::spawn(&mut command).unwrap_or_else(|e| panic!("{e}"));
        self.base = process.url.clone();
        self.process = Some(process);
    }

    /// Stops the collector (SIGKILL: nothing is flushed on the way out, as in a crash).
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill9();
        }
    }

    /// Stops and starts again on the same data folder (possibly on another port).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().unwrap()
    }

    pub fn widget_config(&self) -> WidgetConfig {
        self.get(&format!("/v1/sites/{SITE}/config")).json().unwrap()
    }

    pub fn challenge(&self) -> String {
        let answer: serde_json::Value = self.get(&format!("/v1/challenge?site={SITE}")).json().unwrap();
        answer["token"].as_str().unwrap().to_owned()
    }

    /// Posts raw bytes to a path with the allowed origin.
    pub fn post_raw(&self, path: &str, body: impl Into<reqwest::blocking::Body>, origin: Option<&str>) -> Response {
        let mut request = self.client.post(self.url(path)).header("content-type", "application/json").body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().unwrap()
    }

    pub fn post_envelope(&self, path: &str, envelope: &SignedEnvelope) -> Response {
        self.post_raw(path, serde_json::to_vec(envelope).unwrap(), Some(ORIGIN))
    }

    /// The collector's own key, read from its data folder (to make expired tokens in tests).
    pub fn key(&self) -> CollectorKey {
        let seed: [u8; 32] = std::fs::read(self.data().join("collector-key.seed")).unwrap().try_into().unwrap();
        CollectorKey::from_seed(seed)
    }

    /// A token signed by the collector's key with chosen claims.
    pub fn token(&self, claims: &ChallengeClaims) -> String {
        self.key().sign_token(claims).unwrap()
    }

    pub fn db(&self) -> Connection {
        Connection::open(self.data().join("ledger.sqlite3")).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    pub fn events(&self) -> i64 {
        self.count("SELECT count(*) FROM events")
    }

    pub fn event_kinds(&self) -> Vec<String> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT body FROM events ORDER BY seq").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|b| {
                serde_json::from_str::<serde_json::Value>(&b.unwrap()).unwrap()["kind"].as_str().unwrap().to_owned()
            })
            .collect()
    }

    /// Everything stored that a refused request could have added.
    pub fn footprint(&self) -> (i64, i64, i64, i64, i64) {
        (
            self.events(),
            self.count("SELECT count(*) FROM records"),
            self.count("SELECT count(*) FROM record_data"),
            self.count("SELECT count(*) FROM used_nonces"),
            self.count("SELECT count(*) FROM mail_queue"),
        )
    }

    /// Runs a staff command on this collector's data folder.
    pub fn command(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_collector")).args(args).env_remove("DATABASE_URL").output().unwrap()
    }

    pub fn verify(&self) -> (bool, String) {
        let out = self.command(&["verify", "--data", self.data().to_str().unwrap()]);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn export(&self, purpose: &str) -> String {
        let out = self.command(&["export", "--data", self.data().to_str().unwrap(), "--purpose", purpose]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A valid submission for the `join` CTA.
pub fn submission(c: &Collector, device: &Device, email: &str, first_name: &str) -> SubmissionPayload {
    let alumnus = Alumnus {
        first_name: first_name.into(),
        promo: "2015".into(),
        page_url: "http://127.0.0.1:8080/portrait/marie/?utm_source=x".into(),
        choices: BTreeMap::from([("community".into(), true), ("jobs".into(), true), ("events".into(), false)]),
        ..Alumnus::new(email)
    };
    alumnus.submission(&c.widget_config(), c.challenge(), &device.jwk)
}

/// Asserts a problem+json answer of this type and status.
pub fn assert_problem(response: Response, status: u16, slug: &str) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status for {slug}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["type"], format!("urn:alumni-consent:problem:{slug}"), "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// Writes a file in the test's folder.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A real SMTP server on loopback (Python's aiosmtpd), writing each message it receives as JSON.
pub struct SmtpSink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

/// A message as the SMTP server received it (MIME decoded by Python's email package).
#[derive(Debug, serde::Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    /// The envelope sender (`MAIL FROM`).
    #[serde(default)]
    pub mail_from: String,
    /// The `From:` header.
    #[serde(default)]
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Attached files (text ones: the access export's JSON).
    #[serde(default)]
    pub attachments: Vec<Attached>,
}

/// A file attached to a message.
#[derive(Debug, serde::Deserialize)]
pub struct Attached {
    pub filename: String,
    pub content_type: String,
    pub content: String,
}

impl Mail {
    /// The first link of the text part containing `path` (`/confirm/` or `/manage/`).
    pub fn link(&self, path: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(path))
            .unwrap_or_else(|| panic!("no {path} link in {}", self.text))
            .to_owned()
    }
}

impl SmtpSink {
    pub fn new(port: u16) -> SmtpSink {
        SmtpSink { port, dir: tempfile::tempdir().unwrap(), child: None }
    }

    /// Starts (or restarts) the server; returns once it listens.
    pub fn start(&mut self) {
        self.start_refusing("");
    }

    /// [`SmtpSink::start`], the server refusing these recipients for good (`a@x,b@y`: 550 at RCPT).
    pub fn start_refusing(&mut self, reject: &str) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(self.port.to_string())
            .arg(self.dir.path())
            .env("SMTP_SINK_REJECT", reject)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start (is aiosmtpd installed?)");
        self.child = Some(child);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Mail> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        paths.sort();
        paths.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
    }

    /// The first message to `address` whose subject contains `subject`, waiting at most 30 s (other emails, such
    /// as confirmations, may or may not have gone before it).
    pub fn mail_to(&self, address: &str, subject: &str) -> Mail {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(mail) = self.messages().into_iter().find(|m| m.to == [address] && m.subject.contains(subject)) {
                return mail;
            }
            assert!(std::time::Instant::now() < deadline, "no email to {address} about {subject}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Waits (at most 60 s) until `n` messages have arrived.
    pub fn wait_for(&self, n: usize) -> Vec<Mail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            assert!(std::time::Instant::now() < deadline, "{n} messages expected, {} arrived", messages.len());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A test certificate authority and a certificate it signed for 127.0.0.1 and localhost, made with openssl in
/// `dir`: `ca.crt` (the CA, for a client to trust), `server.crt` and `server.key`; their paths in that order.
pub fn loopback_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ca = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2"];
    openssl(&[&ca[..], &["-subj", "/CN=alumni-consent test CA"]].concat());
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
        .unwrap();
    let csr = ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr"];
    openssl(&[&csr[..], &["-subj", "/CN=127.0.0.1"]].concat());
    let sign = ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"];
    openssl(&[&sign[..], &["-out", "server.crt", "-days", "2", "-extfile", "san.ext"]].concat());
    (dir.join("ca.crt"), dir.join("server.crt"), dir.join("server.key"))
}

/// Unix ms now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A throwaway PostgreSQL cluster of its own: a fresh data folder, no TCP, a Unix socket in that folder, trust
/// authentication for `postgres`; stopped (immediate mode) and deleted on drop. PostgreSQL's `initdb` refuses to
/// run as root, so as root the folder is given to the `postgres` user and the server runs as that user.
pub struct PgCluster {
    pub dir: tempfile::TempDir,
    pub port: u16,
    bin: PathBuf,
    as_postgres: bool,
}

impl PgCluster {
    /// The newest `/usr/lib/postgresql/VERSION/bin` holding `initdb` and `pg_ctl`.
    fn server_bin() -> PathBuf {
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let version: u32 = e.file_name().to_str()?.parse().ok()?;
                let bin = e.path().join("bin");
                (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
            })
            .collect();
        found.sort();
        match found.pop() {
            Some((_, bin)) => bin,
            None => panic!(
                "PostgreSQL's server (initdb, pg_ctl) is not installed under /usr/lib/postgresql/*/bin: \
                 run `cargo xtask test`, which installs Debian's `postgresql` package"
            ),
        }
    }

    /// A server program, run as `postgres` when we are root.
    fn server_command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    /// Runs a server program; panics with its output if it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .server_command(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates and starts the cluster; returns once it accepts connections.
    pub fn start() -> PgCluster {
        let bin = Self::server_bin();
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = output_of("id", &["-u"]) == "0";
        if as_postgres {
            let owner = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status().unwrap();
            assert!(owner.success(), "chown postgres:postgres {}", dir.path().display());
        }
        let cluster = PgCluster { dir, port: free_port(), bin, as_postgres };
        let root = cluster.dir.path().to_str().unwrap().to_owned();
        let data = format!("{root}/data");
        // --no-sync: the cluster is thrown away; the server itself keeps fsync on (durable commits, as in use).
        cluster.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
        let options = format!("-k {root} -p {} -c listen_addresses=''", cluster.port);
        cluster.pg_ctl_start(&options);
        cluster
    }

    fn pg_ctl_start(&self, options: &str) {
        let root = self.dir.path().to_str().unwrap().to_owned();
        let (data, log) = (format!("{root}/data"), format!("{root}/server.log"));
        self.run("pg_ctl", &["-D", &data, "-o", options, "-l", &log, "-w", "start"]);
    }

    /// Restarts the cluster listening on 127.0.0.1 with TLS only for TCP (a certificate for 127.0.0.1 signed by a
    /// test CA made here with openssl); returns the CA's PEM file, for `sslrootcert`.
    pub fn restart_with_tls(&self) -> PathBuf {
        let root = self.dir.path().to_str().unwrap().to_owned();
        let data = format!("{root}/data");
        self.run("pg_ctl", &["-D", &data, "-w", "stop"]);
        loopback_ca(self.dir.path());
        let key = format!("{root}/server.key");
        if self.as_postgres {
            let owner = Command::new("chown").args(["postgres:postgres", &key, &format!("{root}/server.crt")]).status();
            assert!(owner.unwrap().success());
        }
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let options = format!(
            "-k {root} -p {} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={root}/server.crt -c ssl_key_file={key}",
            self.port
        );
        self.pg_ctl_start(&options);
        self.dir.path().join("ca.crt")
    }

    /// A `postgres://` URL to a database of this cluster (created with [`PgCluster::create_database`]).
    pub fn url(&self, database: &str) -> String {
        format!("postgres:///{database}?host={}&port={}&user=postgres", self.dir.path().display(), self.port)
    }

    /// A direct connection, to read or alter what the collector stored.
    pub fn client(&self, database: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(database), postgres::NoTls).unwrap()
    }

    /// Creates an empty database.
    pub fn create_database(&self, name: &str) {
        self.client("postgres").batch_execute(&format!("CREATE DATABASE \"{name}\"")).unwrap();
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = format!("{}/data", self.dir.path().display());
        let _ =
            self.server_command("pg_ctl").args(["-D", &data, "-m", "immediate", "stop"]).stdout(Stdio::null()).status();
    }
}

/// The trimmed standard output of a command ("" if it cannot run).
pub fn output_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// A collector whose log (at `info`) goes to a file the test reads.
pub struct Logged {
    pub c: Collector,
    /// Held for its lifetime: dropping it kills the collector.
    _process: Serve,
    log: PathBuf,
}

impl Logged {
    /// Stops the collector that `Collector::start` made (its log is not captured) and starts one on the same
    /// data folder that logs to a file.
    pub fn start(extra: &[&str]) -> Logged {
        let mut c = Collector::start(&[]);
        c.stop();
        let log = c.dir.path().join("collector.log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
        command
            .args(["serve", "--config", CONFIG, "--listen", "127.0.0.1:0", "--data"])
            .arg(c.data())
            .args(extra)
            .env("COLLECTOR_LOG", "info")
            .env_remove("DATABASE_URL")
            .stderr(std::fs::File::create(&log).unwrap());
        let process = Serve::spawn(&mut command).unwrap_or_else(|e| panic!("{e}"));
        c.base = process.url.clone();
        Logged { c, _process: process, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// Waits (at most 30 s) until the log contains `what`.
    pub fn wait_for_log(&self, what: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let log = self.log();
            if log.contains(what) {
                return log;
            }
            assert!(std::time::Instant::now() < deadline, "`{what}` never logged:\n{log}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}
