//! What every handler shares: sites, keys, the writer, the clock, limits and counters.

use crate::clock::SharedClock;
use crate::intake::{ClientLimiter, RateLimiter, UsedNonces};
use crate::metrics::Metrics;
use crate::proxies::TrustedProxies;
use crate::sites::Sites;
use crate::writer::Writer;
use consent::signature::CollectorKey;
use std::sync::Arc;
use tokio::sync::Notify;

/// Limits and settings of a running collector.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The collector's public base URL, used in email links.
    pub public_url: String,
    /// Requests per minute and client IP (0: no limit).
    pub ip_per_minute: u32,
    /// Submissions and access requests per hour and email (0: no limit).
    pub email_per_hour: u32,
    /// How long a challenge token lives, seconds.
    pub challenge_ttl_secs: i64,
    /// The sender address of emails.
    pub mail_from: String,
    /// Reverse proxies whose `X-Forwarded-For` gives the client's address (none by default).
    pub trusted_proxies: TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:8787".into(),
            ip_per_minute: 120,
            email_per_hour: 10,
            challenge_ttl_secs: 1800,
            mail_from: "no-reply@localhost".into(),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// The shared state (cheap to clone).
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

/// The inside of [`AppState`].
pub struct Shared {
    /// Sites served.
    pub sites: Sites,
    /// The signing key (challenges, links, receipts).
    pub key: CollectorKey,
    /// Its public half and the keys it replaced ([`crate::keys::KeySet`]): what checks tokens and receipts.
    pub keys: crate::keys::KeySet,
    /// Its public half, base64url.
    pub public_key_b64: String,
    /// The group-commit writer.
    pub writer: Writer,
    /// Now.
    pub clock: SharedClock,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Settings.
    pub settings: Settings,
    /// Per-client limit (an IPv4 address, an IPv6 /64).
    pub ip_limit: ClientLimiter,
    /// Per-email limit.
    pub email_limit: RateLimiter,
    /// Nonces seen recently (the durable check is in the ledger).
    pub used_nonces: UsedNonces,
    /// Wakes the mail sender when an email is queued.
    pub mail_wakeup: Arc<Notify>,
    /// The staff console's own database connections; `None` turns `/staff/` off (404).
    pub staff_db: Option<crate::staff::StaffDb>,
    /// The dashboard's read model, built from the chain on first use.
    pub insights: crate::staff::console::Insights,
    /// The outbox folder (`--outbox`), whose files an erasure removes with the rest.
    pub outbox: Option<std::path::PathBuf>,
    /// The read pool; without it (tests, benches), reads go through the writer.
    pub readers: Option<crate::reader::Readers>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppState")
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(
        sites: Sites,
        key: CollectorKey,
        writer: Writer,
        clock: SharedClock,
        metrics: Arc<Metrics>,
        settings: Settings,
    ) -> AppState {
        let public_key_b64 = key.public().to_base64url();
        let keys = crate::keys::KeySet::new(key.public(), []);
        AppState(Arc::new(Shared {
            sites,
            key,
            keys,
            public_key_b64,
            writer,
            clock,
            metrics,
            ip_limit: ClientLimiter::new(settings.ip_per_minute, 60_000),
            email_limit: RateLimiter::new(settings.email_per_hour, 3_600_000),
            settings,
            used_nonces: UsedNonces::default(),
            mail_wakeup: Arc::new(Notify::new()),
            staff_db: None,
            insights: crate::staff::console::Insights::default(),
            outbox: None,
            readers: None,
        }))
    }

    /// Turns the staff console on with its database (call before the state is shared: it is then left as is).
    pub fn with_staff_db(mut self, db: crate::staff::StaffDb) -> AppState {
        if let Some(shared) = Arc::get_mut(&mut self.0) {
            shared.staff_db = Some(db);
        }
        self
    }

    /// The key set that checks tokens and receipts: the current key and those it replaced (`collector key
    /// rotate`), which still check what they signed (call before the state is shared).
    pub fn with_key_set(mut self, keys: crate::keys::KeySet) -> AppState {
        if let Some(shared) = Arc::get_mut(&mut self.0) {
            shared.keys = keys;
        }
        self
    }

    /// The outbox folder emails are written to (call before the state is shared).
    pub fn with_outbox(mut self, outbox: Option<std::path::PathBuf>) -> AppState {
        if let Some(shared) = Arc::get_mut(&mut self.0) {
            shared.outbox = outbox;
        }
        self
    }

    /// Reads through the read pool (call before the state is shared).
    pub fn with_readers(mut self, readers: crate::reader::Readers) -> AppState {
        if let Some(shared) = Arc::get_mut(&mut self.0) {
            shared.readers = Some(readers);
        }
        self
    }

    /// Runs the read-only `op` on the read pool (or on the writer when there is none).
    pub async fn read<T, F>(&self, op: F) -> Result<T, crate::ledger::LedgerError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::ledger::Ledger) -> Result<T, crate::ledger::LedgerError> + Send + 'static,
    {
        match &self.0.readers {
            Some(readers) => readers.run(op).await,
            None => self.0.writer.run(op).await,
        }
    }

    /// Unix ms now.
    pub fn now(&self) -> i64 {
        self.0.clock.now_ms()
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
