//! `cargo xtask demo`: the whole product on one machine, on the embedded SQLite default.
//!
//! Builds the widget and `examples/association-exemple`, starts the collector (SQLite in `target/demo/data`,
//! emails written to `target/demo/outbox`), serves the site and the root `index.html` on http://127.0.0.1:8080,
//! and prints where to click. Ctrl-C stops everything; a second run reuses the data.

mod seed;

use crate::step::{cargo, run, say};
use crate::{tools, widget};
use axum::Router;
use std::path::Path;
use std::process::{Child, Command};
use tower_http::services::{ServeDir, ServeFile};

/// Options of `cargo xtask demo`.
#[derive(clap::Args)]
pub struct Args {
    /// The example site to serve.
    #[arg(long, default_value = "association-exemple")]
    pub site: String,
    /// Build and check everything, print the addresses, then stop instead of serving (for smoke tests).
    #[arg(long)]
    pub no_serve: bool,
}

const SITE_ADDR: &str = "127.0.0.1:8080";
const COLLECTOR_ADDR: &str = "127.0.0.1:8787";

/// What the demo's first run does to its data, in a fresh folder of its own (`target/demo-check`): alumni join
/// through the real API and confirm by their links, and the demo admin is made. Run by `cargo xtask test`, so that
/// the README's first command is tested from a clean checkout too (`target/debug/collector` must be built).
pub fn check_seed() -> anyhow::Result<()> {
    let root = std::env::current_dir()?;
    let work = root.join("target/demo-check");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    let data = work.join("data");
    let config = root.join("examples/association-exemple/consent.toml");
    seed::seed(&root.join("target/debug/collector"), &config, &data, &work)?;
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

pub fn run_demo(args: Args) -> anyhow::Result<()> {
    let root = std::env::current_dir()?;
    let example = root.join("examples").join(&args.site);
    anyhow::ensure!(example.join("consent.toml").exists(), "no example site at {}", example.display());
    let work = root.join("target/demo");
    let public = work.join("public");

    say("Tools for the widget build");
    tools::ensure_all_for_widget()?;
    say("Widget bundle");
    widget::run(widget::Args::default())?;
    say("Collector and site-kit");
    run(cargo().args(["build", "-p", "collector", "-p", "site-kit"]))?;
    let bin = root.join("target/debug");

    say(&format!("Checking and building the example site {}", args.site));
    run(Command::new(bin.join("site-kit")).arg("check").arg(&example))?;
    run(Command::new(bin.join("site-kit")).arg("build").arg(&example).arg("--out").arg(&public))?;

    if args.no_serve {
        say("Built; not serving (--no-serve)");
        return Ok(());
    }

    let data = work.join("data");
    let outbox = work.join("outbox");
    std::fs::create_dir_all(&outbox)?;
    if example.join("consent.toml").exists() && args.site == "association-exemple" {
        say("Demo data: alumni join through the real API (signed, confirmed by their links; first run only)");
        seed::seed(&bin.join("collector"), &example.join("consent.toml"), &data, &work)?;
    }

    say("Starting the collector on SQLite");
    let collector = Command::new(bin.join("collector"))
        .arg("serve")
        .arg("--config")
        .arg(example.join("consent.toml"))
        .arg("--listen")
        .arg(COLLECTOR_ADDR)
        .arg("--data")
        .arg(&data)
        .arg("--outbox")
        .arg(&outbox)
        // Demo only: the links are credentials, logged so that the demo can be followed from the terminal.
        .arg("--demo-log-links")
        .arg("--public-url")
        .arg(format!("http://{COLLECTOR_ADDR}"))
        .spawn()?;
    let mut guard = ChildGuard(collector);

    banner(&data, &outbox, &example);
    let result = serve(&public, &root.join("index.html"));
    guard.stop();
    result
}

fn banner(data: &Path, outbox: &Path, example: &Path) {
    let site = example.display();
    println!(
        "\n\
         ┌─ Alumni consent kit — demo ────────────────────────────────────────────\n\
         │ Site (articles with the widget):   http://{SITE_ADDR}/\n\
         │ One-tag embed on a plain page:      http://{SITE_ADDR}/demo.html\n\
         │ Privacy notice page:                http://{SITE_ADDR}/confidentialite/\n\
         {insertion}\
         │ Collector (API, manage pages):      http://{COLLECTOR_ADDR}/healthz\n\
         │\n\
         │ 1. Open an article, click « Rejoindre la communauté alumni », tick what you want, submit.\n\
         │ 2. The confirmation email lands in {outbox}/ (the link is also in the collector's log): open it.\n\
         │ 3. Staff console: http://{COLLECTOR_ADDR}/staff/ — {admin} / « {password} »\n\
         │    (dashboard per article and CTA, register and proof bundles, exports, rights requests)\n\
         │    Other staff views:\n\
         │      cargo run -q -p collector -- export --data {data} --purpose community\n\
         │      cargo run -q -p collector -- stats --data {data}\n\
         │      cargo run -q -p collector -- verify --data {data}\n\
         │ Config: {site}/consent.toml — Ctrl-C stops everything; data are kept for the next run.\n\
         └────────────────────────────────────────────────────────────────────────",
        outbox = outbox.display(),
        data = data.display(),
        // The school example's statistics page is built from its data file (`collector stats --insertion --json`).
        insertion = if example.join("data/insertion.json").is_file() {
            format!("│ Insertion statistics page:          http://{SITE_ADDR}/insertion-professionnelle/\n")
        } else {
            String::new()
        },
        admin = seed::ADMIN,
        password = seed::ADMIN_PASSWORD,
    );
}

fn serve(public: &Path, demo_page: &Path) -> anyhow::Result<()> {
    let app = Router::new()
        .route_service("/demo.html", ServeFile::new(demo_page))
        .fallback_service(ServeDir::new(public).append_index_html_on_directories(true));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SITE_ADDR)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {SITE_ADDR}: {e} (is another demo running?)"))?;
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                // Ctrl-C in a terminal, or SIGTERM from a supervisor: both stop the collector too.
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                let terminated = async {
                    match term.as_mut() {
                        Some(t) => t.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminated => {}
                }
                println!("\nStopping…");
            })
            .await?;
        anyhow::Ok(())
    })
}

/// Kills the collector when the demo ends, however it ends.
struct ChildGuard(Child);

impl ChildGuard {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop();
    }
}
