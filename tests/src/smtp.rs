//! A real SMTP server on loopback (aiosmtpd), each received message saved as a JSON file — the collector's
//! test sink (`collector/tests/data/smtp_sink.py`), shared rather than copied.

use crate::workspace::{free_port, root, wait_until};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The SMTP server process and the folder it writes to.
pub struct SmtpSink {
    child: Option<Child>,
    /// The port it listens on.
    pub port: u16,
    dir: PathBuf,
}

/// A received message, decoded by Python's `email` package.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Email {
    /// Recipients.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// The text/plain part.
    pub text: String,
    /// The text/html part.
    pub html: String,
}

impl Email {
    /// Both parts, decoded.
    pub fn decoded(&self) -> String {
        format!("{}\n{}", self.text, self.html)
    }

    /// Every `http://…` link in the message.
    pub fn links(&self) -> Vec<String> {
        let text = self.decoded();
        let mut out = Vec::new();
        for part in text.split("http://").skip(1) {
            let end = part.find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>').unwrap_or(part.len());
            let link = format!("http://{}", &part[..end]);
            if !out.contains(&link) {
                out.push(link);
            }
        }
        out
    }
}

impl SmtpSink {
    /// Starts the server on a free port, writing into `dir`.
    pub fn start(dir: &Path) -> anyhow::Result<SmtpSink> {
        Self::start_on(free_port(), dir)
    }

    /// Starts the server on `port` (to restart it where the collector expects it).
    pub fn start_on(port: u16, dir: &Path) -> anyhow::Result<SmtpSink> {
        std::fs::create_dir_all(dir)?;
        let child = Command::new("python3")
            .arg(root().join("collector/tests/data/smtp_sink.py"))
            .arg(port.to_string())
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| anyhow::anyhow!("python3 could not start the SMTP sink ({e}); `pip install aiosmtpd`"))?;
        let sink = SmtpSink { child: Some(child), port, dir: dir.to_owned() };
        wait_until(Duration::from_secs(15), || TcpStream::connect(("127.0.0.1", port)).ok())
            .ok_or_else(|| anyhow::anyhow!("the SMTP sink did not listen on {port}; is aiosmtpd installed?"))?;
        Ok(sink)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Email> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter_map(|j| serde_json::from_str(&j).ok())
            .collect()
    }

    /// Waits for the `n`-th message (1-based).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Option<Email> {
        wait_until(timeout, || self.messages().into_iter().nth(n - 1))
    }

    /// Stops the server (messages stay on disk).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
