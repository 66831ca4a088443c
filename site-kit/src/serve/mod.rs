//! `site-kit serve`: build, serve the output on 127.0.0.1, watch the sources, rebuild what changed and tell the
//! browser to reload through server-sent events. The reload script is an external file injected only here.

mod rebuild;

use crate::build::{BuildOptions, write_site};
use crate::error::BuildError;
use crate::site::Site;
use axum::Router;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::sync::broadcast;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::services::ServeDir;

/// The live-reload script.
const RELOAD_JS: &str = include_str!("reload.js");

/// Options of `serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Port on 127.0.0.1.
    pub port: u16,
    /// Output directory; `DIR/public` when `None`.
    pub out: Option<PathBuf>,
    /// Widget bundle directory.
    pub widget_dir: Option<PathBuf>,
}

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The first build failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The socket or the runtime failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    /// The file watcher failed.
    #[error("watching files: {0}")]
    Watch(#[from] notify::Error),
}

/// Builds `dir`, serves it and rebuilds on change until interrupted.
pub fn serve(dir: &Path, options: &ServeOptions) -> Result<(), ServeError> {
    let dir = dir.canonicalize().map_err(|e| BuildError::io(dir, e))?;
    let build_options = BuildOptions {
        out: Some(options.out.clone().unwrap_or_else(|| dir.join("public"))),
        widget_dir: options.widget_dir.clone(),
        live_reload: true,
        progress: true,
    };
    let started = Instant::now();
    let site = Site::load(&dir, true)?;
    let report = write_site(&site, &build_options, started)?;
    println!("built {} articles in {:.0} ms → {}", report.articles, ms(started), report.out.display());
    let out = report.out.clone();
    let (reload_tx, _) = broadcast::channel::<()>(16);
    let _watcher = rebuild::watch(site, build_options, reload_tx.clone())?;

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
        println!("serving http://127.0.0.1:{}/ (Ctrl-C to stop)", listener.local_addr()?.port());
        axum::serve(listener, app(&out, reload_tx))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })?;
    Ok(())
}

/// The preview server: the built files, the reload script and the reload events.
fn app(out: &Path, reload: broadcast::Sender<()>) -> Router {
    Router::new()
        .route("/__site-kit/reload.js", get(reload_js))
        .route("/__site-kit/events", get(move || events(reload.subscribe())))
        .fallback_service(ServeDir::new(out))
}

async fn reload_js() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8")], RELOAD_JS).into_response()
}

async fn events(rx: broadcast::Receiver<()>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(rx).map(|_| Ok(Event::default().event("reload").data("changed")));
    // A first comment tells clients (and the benchmark) that they are subscribed.
    let hello = tokio_stream::once(Ok(Event::default().comment("connected")));
    Sse::new(hello.chain(stream)).keep_alive(KeepAlive::default())
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
