//! The real `collector` binary on loopback, and its staff commands.

use crate::workspace::{bin, free_port};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use test_kit::Serve;

/// A running collector.
pub struct Collector {
    process: Option<Serve>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The port.
    pub port: u16,
    /// Its data folder.
    pub data: PathBuf,
    config: PathBuf,
    smtp_port: Option<u16>,
}

impl Collector {
    /// Starts `collector serve` with `config`, data in `data`, mail to `smtp_port` when given.
    pub fn start(config: &Path, data: &Path, smtp_port: Option<u16>) -> anyhow::Result<Collector> {
        Self::start_on(free_port(), config, data, smtp_port)
    }

    /// Starts it on a given port (to restart where the widget expects it).
    pub fn start_on(port: u16, config: &Path, data: &Path, smtp_port: Option<u16>) -> anyhow::Result<Collector> {
        let url = format!("http://127.0.0.1:{port}");
        let mut cmd = Command::new(bin("collector"));
        // A DATABASE_URL in the caller's environment would move these tests off their own SQLite file.
        cmd.env_remove("DATABASE_URL");
        cmd.arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(data)
            .arg("--public-url")
            .arg(&url)
            .arg("--outbox")
            .arg(data.join("outbox"));
        if let Some(smtp) = smtp_port {
            cmd.arg("--smtp").arg(format!("smtp://127.0.0.1:{smtp}"));
        }
        let process = Serve::spawn(cmd.stderr(Stdio::inherit())).map_err(|e| anyhow::anyhow!(e))?;
        Ok(Collector {
            process: Some(process),
            url: url.clone(),
            port,
            data: data.to_owned(),
            config: config.to_owned(),
            smtp_port,
        })
    }

    /// Stops it (SIGKILL: the tests also prove durability this way).
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill9();
        }
    }

    /// Starts it again on the same port and data.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        *self = Collector::start_on(self.port, &self.config.clone(), &self.data.clone(), self.smtp_port)?;
        Ok(())
    }

    /// Runs a staff command (`export`, `verify`, `stats`, `purge`) on this collector's data.
    pub fn staff(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(bin("collector"));
        cmd.env_remove("DATABASE_URL");
        cmd.arg(args[0]).arg("--data").arg(&self.data).args(&args[1..]);
        cmd.output().unwrap_or_else(|e| panic!("collector {args:?}: {e}"))
    }

    /// `collector export --purpose ID --format csv`, as text.
    pub fn export(&self, purpose: &str) -> String {
        let out = self.staff(&["export", "--purpose", purpose, "--format", "csv"]);
        assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether `collector verify` passes.
    pub fn verify(&self) -> bool {
        self.staff(&["verify"]).status.success()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop();
    }
}
