//! Draining the durable queue: each email is written to the outbox folder (if any) and sent over SMTP (if
//! configured); a failed send is retried with exponential backoff, across restarts.

use crate::clock::SharedClock;
use crate::metrics::Metrics;
use crate::storage::QueuedMail;
use crate::writer::Writer;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How emails leave.
#[derive(Clone)]
pub struct MailTransport {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    outbox: Option<PathBuf>,
    from: Address,
}

impl std::fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MailTransport(smtp: {}, outbox: {:?})", self.smtp.is_some(), self.outbox)
    }
}

/// Why the transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The SMTP URL is not usable.
    #[error("SMTP URL: {0}")]
    Url(String),
    /// The sender address is not usable.
    #[error("sender address `{0}` is not an email address")]
    From(String),
}

impl MailTransport {
    /// A transport from `--smtp` (`smtp://host:port`, `smtps://…`, `smtp://…?tls=required` for STARTTLS;
    /// credentials from `SMTP_USERNAME` / `SMTP_PASSWORD`) and `--outbox`.
    pub fn new(smtp_url: Option<&str>, outbox: Option<PathBuf>, from: &str) -> Result<MailTransport, TransportError> {
        let smtp = match smtp_url {
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| TransportError::Url(e.to_string()))?
                    .timeout(Some(Duration::from_secs(15)));
                if let (Ok(user), Ok(password)) = (std::env::var("SMTP_USERNAME"), std::env::var("SMTP_PASSWORD")) {
                    builder = builder.credentials(Credentials::new(user, password));
                }
                Some(builder.build())
            }
            None => None,
        };
        let from_addr = from.parse::<lettre::message::Mailbox>().map_err(|_| TransportError::From(from.to_owned()))?;
        Ok(MailTransport { smtp, outbox, from: from_addr.email })
    }

    /// Whether emails can leave at all.
    pub fn is_configured(&self) -> bool {
        self.smtp.is_some() || self.outbox.is_some()
    }

    async fn deliver(&self, mail: &QueuedMail) -> Result<(), String> {
        if let Some(outbox) = &self.outbox
            && mail.attempts == 0
        {
            let path = outbox.join(format!("{:08}.eml", mail.id));
            tokio::fs::write(&path, mail.message.as_bytes()).await.map_err(|e| format!("outbox: {e}"))?;
        }
        if let Some(smtp) = &self.smtp {
            let to: Address = mail.to.parse().map_err(|_| "recipient address".to_owned())?;
            let envelope = Envelope::new(Some(self.from.clone()), vec![to]).map_err(|e| e.to_string())?;
            smtp.send_raw(&envelope, mail.message.as_bytes()).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// The delay before attempt `attempts + 1`: 5 s, 10 s, 20 s… at most one hour.
pub fn backoff_ms(attempts: u32) -> i64 {
    (5_000i64 << attempts.min(10)).min(3_600_000)
}

/// Runs forever: sends what is due, then waits for a wake-up or one second.
pub async fn run_sender(
    writer: Writer,
    transport: MailTransport,
    clock: SharedClock,
    metrics: Arc<Metrics>,
    wakeup: Arc<Notify>,
) {
    loop {
        let now = clock.now_ms();
        let due = writer.run(move |l| Ok(l.store().due_mail(now, 256)?)).await;
        let due = match due {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the mail queue");
                Vec::new()
            }
        };
        let idle = due.is_empty();
        // Deliver the whole batch, then record every outcome in one ledger operation.
        let mut sent = Vec::new();
        let mut retries = Vec::new();
        for mail in due {
            match transport.deliver(&mail).await {
                Ok(()) => {
                    metrics.mail_sent();
                    tracing::info!(mail_id = mail.id, "email sent");
                    sent.push(mail.id);
                }
                Err(e) => {
                    metrics.mail_failed();
                    let next = clock.now_ms() + backoff_ms(mail.attempts);
                    tracing::warn!(mail_id = mail.id, attempt = mail.attempts + 1, error = %e, "email not sent; will retry");
                    retries.push((mail.id, mail.attempts + 1, next));
                }
            }
        }
        if !sent.is_empty() || !retries.is_empty() {
            let update = writer
                .run(move |l| {
                    for id in sent {
                        l.store().mail_sent(id)?;
                    }
                    for (id, attempts, next) in retries {
                        l.store().mail_retry(id, attempts, next)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = update {
                tracing::error!(error = %e, "cannot update the mail queue");
            }
        }
        if idle {
            // The gauge is read only when idle: under load every ledger round trip waits for a whole batch.
            if let Ok(len) = writer.run(|l| Ok(l.store().mail_queue_len()?)).await {
                metrics.mail_queue(len);
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), wakeup.notified()).await;
        }
    }
}
