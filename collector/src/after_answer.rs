//! Work done after the answer, for requests whose answer must not tell what they found: asking for a manage
//! link (`POST /v1/access`) or a staff password reset says nothing about whether the address is known, and the
//! time it takes must not either (a lookup, a write, an email queued or the mail server's delay would tell).
//! The checks that are the same for every address run first; the rest is spawned.

use std::fmt::Display;
use std::future::Future;

/// Runs `work` without making the answer wait for it; its failure is logged as `what` (nobody is left to tell).
pub fn spawn<E: Display>(what: &'static str, work: impl Future<Output = Result<(), E>> + Send + 'static) {
    tokio::spawn(async move {
        if let Err(e) = work.await {
            tracing::error!(error = %e, "{what}");
        }
    });
}
