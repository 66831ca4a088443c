//! An example site built by the real `site-kit` binary, served by a static file server.

use crate::workspace::{bin, root};
use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use std::path::{Path, PathBuf};
use std::process::Command;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A copy of an example site whose `consent.toml` points to a given collector and origin.
pub struct Site {
    /// The site folder (a copy of `examples/NAME`).
    pub dir: PathBuf,
    /// The built output.
    pub public: PathBuf,
}

impl Site {
    /// Copies `examples/{name}` into `work`, sets the collector endpoint and allowed origin, and builds it.
    pub fn build(name: &str, work: &Path, endpoint: &str, origin: &str) -> anyhow::Result<Site> {
        let dir = work.join(name);
        copy_dir(&root().join("examples").join(name), &dir)?;
        let config = dir.join("consent.toml");
        let text = std::fs::read_to_string(&config)?;
        let head = text.split("\n[collector]").next().unwrap_or(&text);
        std::fs::write(
            &config,
            format!("{head}\n[collector]\nendpoint = \"{endpoint}\"\nallowed_origins = [\"{origin}\"]\n"),
        )?;
        let public = dir.join("public");
        let out = Command::new(bin("site-kit"))
            .arg("build")
            .arg(&dir)
            .arg("--out")
            .arg(&public)
            .arg("--widget-dir")
            .arg(root().join("dist/widget"))
            .output()?;
        anyhow::ensure!(out.status.success(), "site-kit build failed: {}", String::from_utf8_lossy(&out.stderr));
        Ok(Site { dir, public })
    }

    /// The site's `consent.toml`.
    pub fn config(&self) -> PathBuf {
        self.dir.join("consent.toml")
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_name() == "public" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A static file server on loopback, in its own thread, with optional extra response headers.
pub struct StaticServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StaticServer {
    /// Serves `dir` on `port` (0 for any), adding `headers` to every response.
    pub fn start(dir: &Path, port: u16, headers: &[(&str, &str)]) -> anyhow::Result<StaticServer> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let mut app = Router::new().fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
        for (name, value) in headers {
            app = app.layer(SetResponseHeaderLayer::overriding(
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            ));
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        Ok(StaticServer { url, shutdown: Some(tx), thread: Some(thread) })
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
