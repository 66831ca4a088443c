//! Counters for `/metrics`, in the Prometheus text format. Only counts: no personal data, no identifiers.
//!
//! They are still not for everyone (traffic, failures and queue length help whoever plans an attack), so they are
//! served on a listener of their own (`--metrics-listen`, off by default, as Prometheus exporters and Vaultwarden
//! do), never on the public one; `--metrics-token` also asks scrapers for `Authorization: Bearer TOKEN` when that
//! listener is reachable from other machines.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use consent::protocol::ProblemType;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The collector's counters.
#[derive(Debug)]
pub struct Metrics {
    accepted: AtomicU64,
    actions: AtomicU64,
    confirmed: AtomicU64,
    rejected: Vec<AtomicU64>,
    batches: AtomicU64,
    batch_operations: AtomicU64,
    failed_batches: AtomicU64,
    /// Microseconds the writer spent in each [`BatchPhase`], summed over batches.
    batch_phase_us: [AtomicU64; 3],
    mail_sent: AtomicU64,
    mail_failures: AtomicU64,
    mail_queue: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            accepted: AtomicU64::new(0),
            actions: AtomicU64::new(0),
            confirmed: AtomicU64::new(0),
            rejected: ProblemType::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            batches: AtomicU64::new(0),
            batch_operations: AtomicU64::new(0),
            failed_batches: AtomicU64::new(0),
            batch_phase_us: [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
            mail_sent: AtomicU64::new(0),
            mail_failures: AtomicU64::new(0),
            mail_queue: AtomicU64::new(0),
        }
    }
}

/// Where the writer's time for a batch goes: an operator (and the bench) can tell a database that is slow to
/// commit from operations that are slow to run.
#[derive(Debug, Clone, Copy)]
pub enum BatchPhase {
    /// `BEGIN`, the write lock, and the batch's reads asked ahead.
    Begin = 0,
    /// The operations themselves (on PostgreSQL their rows are only held in memory).
    Operations = 1,
    /// Sending the held rows and `COMMIT`, i.e. waiting until the batch is durable.
    Commit = 2,
}

impl BatchPhase {
    const ALL: [(BatchPhase, &'static str); 3] =
        [(BatchPhase::Begin, "begin"), (BatchPhase::Operations, "operations"), (BatchPhase::Commit, "commit")];
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Metrics {
    /// A submission was accepted.
    pub fn accepted(&self) {
        bump(&self.accepted);
    }
    /// A device action was applied.
    pub fn action(&self) {
        bump(&self.actions);
    }
    /// A record was confirmed.
    pub fn confirmed(&self) {
        bump(&self.confirmed);
    }
    /// A request was refused.
    pub fn rejected(&self, kind: ProblemType) {
        if let Some(i) = ProblemType::ALL.iter().position(|p| *p == kind) {
            bump(&self.rejected[i]);
        }
    }
    /// The writer committed (or failed) a batch of `size` operations.
    pub fn batch(&self, size: usize, committed: bool) {
        bump(&self.batches);
        self.batch_operations.fetch_add(size as u64, Ordering::Relaxed);
        if !committed {
            bump(&self.failed_batches);
        }
    }
    /// The writer spent `elapsed` in `phase` of a batch.
    pub fn batch_phase(&self, phase: BatchPhase, elapsed: std::time::Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.batch_phase_us[phase as usize].fetch_add(us, Ordering::Relaxed);
    }
    /// An email was delivered.
    pub fn mail_sent(&self) {
        bump(&self.mail_sent);
    }
    /// A delivery attempt failed.
    pub fn mail_failed(&self) {
        bump(&self.mail_failures);
    }
    /// The queue's length after the last pass.
    pub fn mail_queue(&self, len: u64) {
        self.mail_queue.store(len, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter("collector_submissions_accepted_total", "Submissions durably recorded.", get(&self.accepted));
        counter("collector_actions_total", "Device-signed changes and withdrawals applied.", get(&self.actions));
        counter("collector_confirmations_total", "Records confirmed by email link.", get(&self.confirmed));
        counter("collector_commit_batches_total", "Ledger transactions committed or failed.", get(&self.batches));
        counter(
            "collector_commit_operations_total",
            "Operations run in ledger transactions.",
            get(&self.batch_operations),
        );
        counter("collector_commit_failures_total", "Ledger transactions that failed.", get(&self.failed_batches));
        counter("collector_mail_sent_total", "Emails delivered.", get(&self.mail_sent));
        counter("collector_mail_failures_total", "Email delivery attempts that failed.", get(&self.mail_failures));
        let _ = writeln!(out, "# HELP collector_commit_seconds_total Writer time in ledger transactions, by phase.");
        let _ = writeln!(out, "# TYPE collector_commit_seconds_total counter");
        for (phase, name) in BatchPhase::ALL {
            let seconds = get(&self.batch_phase_us[phase as usize]) as f64 / 1e6;
            let _ = writeln!(out, "collector_commit_seconds_total{{phase=\"{name}\"}} {seconds}");
        }
        let _ = writeln!(out, "# HELP collector_mail_queue Emails waiting in the durable queue.");
        let _ = writeln!(out, "# TYPE collector_mail_queue gauge\ncollector_mail_queue {}", get(&self.mail_queue));
        let _ = writeln!(out, "# HELP collector_rejections_total Requests refused, by problem type.");
        let _ = writeln!(out, "# TYPE collector_rejections_total counter");
        for (kind, count) in ProblemType::ALL.iter().zip(&self.rejected) {
            let _ = writeln!(out, "collector_rejections_total{{type=\"{}\"}} {}", kind.slug(), get(count));
        }
        out
    }
}

/// What the metrics listener needs: the counters, and the digest of the token scrapers must show (if any).
struct Scrape {
    metrics: Arc<Metrics>,
    token: Option<[u8; 32]>,
}

/// Tokens are compared by digest: the time of `==` on two digests tells nothing about the token's bytes.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The metrics listener's application: `GET /metrics` only (everything else 404), behind the bearer `token`
/// when one is given.
pub fn router(metrics: Arc<Metrics>, token: Option<&str>) -> Router {
    let scrape = Scrape { metrics, token: token.map(digest) };
    Router::new().route("/metrics", get(scrape_metrics)).with_state(Arc::new(scrape))
}

/// `GET /metrics`: the text exposition, or 401 without the right `Authorization: Bearer`.
async fn scrape_metrics(State(scrape): State<Arc<Scrape>>, headers: HeaderMap) -> Response {
    if let Some(expected) = scrape.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| digest(token.trim()));
        if given != Some(expected) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "unauthorized\n")
                .into_response();
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], scrape.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    use super::{BatchPhase, Metrics};
    use std::time::Duration;

    #[test]
    fn the_writers_time_is_summed_per_phase() {
        let metrics = Metrics::default();
        metrics.batch_phase(BatchPhase::Commit, Duration::from_micros(1_500));
        metrics.batch_phase(BatchPhase::Commit, Duration::from_micros(500));
        metrics.batch_phase(BatchPhase::Begin, Duration::from_micros(250));
        let text = metrics.render();
        assert!(text.contains("collector_commit_seconds_total{phase=\"commit\"} 0.002\n"), "{text}");
        assert!(text.contains("collector_commit_seconds_total{phase=\"begin\"} 0.00025\n"), "{text}");
        assert!(text.contains("collector_commit_seconds_total{phase=\"operations\"} 0\n"), "{text}");
    }
}
