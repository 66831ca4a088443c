//! `collector serve`: load the sites, open the ledger, start the writer, the mail sender and the retention
//! task, and serve HTTP until SIGINT/SIGTERM.

use crate::cli::ServeArgs;
use anyhow::{Context, bail};
use collector::clock::{Clock, SharedClock, SystemClock};
use collector::keys;
use collector::ledger::Ledger;
use collector::mail::{MailContext, MailTransport, run_sender};
use collector::metrics::Metrics;
use collector::proxies::TrustedProxies;
use collector::reader::Readers;
use collector::retention;
use collector::sites::Sites;
use collector::sites::folder::{self, SiteSources};
use collector::staff::db::{StaffDb, StaffPlace};
use collector::writer::Writer;
use collector::{AppState, Settings, app};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Reads that may wait for a free read connection before the next is refused as busy.
const READ_QUEUE: usize = 256;

/// Runs the server.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // Structured logs on stderr; COLLECTOR_LOG=debug for every request, COLLECTOR_LOG_FORMAT=json for machines.
    // No personal data is ever logged: routes are logged by template, people by random ids only.
    let filter = tracing_subscriber::EnvFilter::try_from_env("COLLECTOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("COLLECTOR_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init();
    }
    std::fs::create_dir_all(&args.data).with_context(|| format!("creating {}", args.data.display()))?;
    if let Some(outbox) = &args.outbox {
        std::fs::create_dir_all(outbox).with_context(|| format!("creating {}", outbox.display()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut stop = Stop::listen().context("listening for SIGINT and SIGTERM")?;
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    let local = listener.local_addr()?;
    let metrics_listener = match args.metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr} for metrics"))?,
        ),
        None => None,
    };
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    // The current key signs; the keys it replaced (`collector key rotate`) still check what they signed.
    let seed = args.key_file.clone().unwrap_or_else(|| keys::seed_path(&args.data));
    let (key, key_set) = keys::load_set_at(&seed)?;
    let sources = SiteSources {
        files: args.config.clone(),
        dir: args.sites.clone(),
        public_key: key.public().to_base64url(),
        public_url: public_url.clone(),
    };
    let sites = match sources.load_all() {
        Ok(loaded) => Sites::new(loaded),
        Err(errors) => bail!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")),
    };
    let mail_from = match &args.mail_from {
        Some(from) => from.clone(),
        None => sites.iter().next().map(|s| s.config.controller().email.clone()).unwrap_or_default(),
    };
    let metrics = Arc::new(Metrics::default());
    // The PostgreSQL client blocks on a tokio runtime of its own, which can neither run nor be dropped inside this
    // one: the ledger is opened, filled and handed to the writer's plain thread outside it (a no-op for SQLite).
    let writer = tokio::task::block_in_place(|| start_writer(&args, &sites, metrics.clone()))?;
    let clock: SharedClock = Arc::new(SystemClock);
    let settings = Settings {
        public_url: public_url.clone(),
        ip_per_minute: args.ip_rate_limit,
        email_per_hour: args.email_rate_limit,
        challenge_ttl_secs: 1800,
        mail_from: mail_from.clone(),
        trusted_proxies: TrustedProxies(args.trusted_proxies.clone()),
    };
    let mail_context = MailContext {
        sites: sites.clone(),
        key: key.clone(),
        public_url: public_url.clone(),
        from: args.mail_from.clone(),
        log_links: args.demo_log_links,
    };
    let place = StaffPlace::new(&args.data, args.database.as_deref());
    let staff_db = tokio::task::block_in_place(|| StaffDb::open(&place, args.staff_require_2fa))
        .context("opening the staff console's database connections")?;
    // SQLite readers are CPU-bound (one a core); PostgreSQL readers mostly wait on the network.
    let connections = if args.database.is_some() { 4 } else { 2 };
    let readers = tokio::task::block_in_place(|| Readers::start(&place, connections, READ_QUEUE))
        .context("opening the ledger's read connections")?;
    let state = AppState::new(sites.clone(), key, writer.clone(), clock.clone(), metrics.clone(), settings)
        .with_staff_db(staff_db)
        .with_readers(readers)
        .with_outbox(args.outbox.clone())
        .with_key_set(key_set);
    tokio::spawn(collector::staff::console::insights::keep_up(state.clone()));
    if let Some(listener) = metrics_listener {
        let metrics_app = collector::metrics::router(metrics.clone(), args.metrics_token.as_deref());
        tracing::info!(listen = %listener.local_addr()?, "metrics listening");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, metrics_app).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let transport = MailTransport::new(args.smtp.as_deref(), args.outbox.clone(), &mail_from)?;
    if let Some(staff_db) = &state.staff_db {
        staff_db.set_mailer(transport.clone(), mail_from.clone());
    }
    if transport.is_configured() {
        tokio::spawn(run_sender(state.clone(), transport, mail_context));
    } else {
        tracing::warn!("neither --smtp nor --outbox: confirmation emails wait in the queue until one is given");
    }
    #[cfg(unix)]
    if let Some(hangup) = stop.hangup.take() {
        tokio::spawn(folder::reload_on_hangup(hangup, sources, sites.clone(), writer.clone(), clock.clone()));
    }
    tokio::spawn(retention::run_periodic(writer, sites, clock, Duration::from_secs(args.purge_every.max(1))));
    tracing::info!(listen = %local, public_url = %public_url, "collector listening");
    println!("collector listening on http://{local}");
    let _ = std::io::stdout().flush();
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stop.wait())
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the ledger, stores the sites' configurations and notices in it, and starts the writer thread that owns
/// it from then on.
fn start_writer(args: &ServeArgs, sites: &Sites, metrics: Arc<Metrics>) -> anyhow::Result<Writer> {
    let (store, place) = super::open_store(&args.data, args.database.as_deref())?;
    tracing::info!(ledger = %place, "ledger opened");
    let mut ledger = Ledger::open(store)?;
    let now = SystemClock.now_ms();
    ledger.transaction(|l| folder::store_all(l, sites, now))?;
    Ok(Writer::start(ledger, metrics)?)
}

/// The signals that end `serve` (SIGINT, SIGTERM), listened to from its first line: one that arrives while the
/// ledger is being opened, or before the server's first poll, is a clean stop instead of the default kill. SIGHUP
/// (reload the sites) is registered at the same time, for the same reason: its default action would end `serve`.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: Option<tokio::signal::unix::Signal>,
}

impl Stop {
    /// Installs the handlers now (a tokio `Signal` registers on creation, `ctrl_c()` only when first polled).
    fn listen() -> std::io::Result<Stop> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                hangup: Some(signal(SignalKind::hangup())?),
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    /// Resolves at the first of them.
    async fn wait(self) {
        #[cfg(unix)]
        {
            let Stop { mut interrupt, mut terminate, .. } = self;
            tokio::select! { _ = interrupt.recv() => {}, _ = terminate.recv() => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
