//! Draining the durable queue: each email is written to the outbox folder (if any) and sent over SMTP (if
//! configured); a failed send is retried with exponential backoff, across restarts.

use super::{MailJob, compose};
use crate::links::{self, LinkKind};
use crate::sites::Sites;
use crate::state::AppState;
use crate::storage::{QueuedMail, RecordRow, RecordStatus};
use consent::protocol::SubmissionPayload;
use consent::signature::CollectorKey;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How emails leave.
#[derive(Clone)]
pub struct MailTransport {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    outbox: Option<PathBuf>,
    from: Address,
    relays: Relays,
}

/// The sites' own relays (`[collector] smtp`), built on first use and kept for their connection pools; keyed by
/// site and URL, so that a site reloaded with another relay gets a new one.
type Relays = Arc<Mutex<HashMap<(String, String), AsyncSmtpTransport<Tokio1Executor>>>>;

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
    /// credentials from `SMTP_USERNAME` / `SMTP_PASSWORD`) and `--outbox`. SMTP connections are pooled (lettre's
    /// `pool`): a burst of confirmations reuses them instead of a TCP + TLS handshake and AUTH per email.
    pub fn new(smtp_url: Option<&str>, outbox: Option<PathBuf>, from: &str) -> Result<MailTransport, TransportError> {
        let smtp = match smtp_url {
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| TransportError::Url(e.to_string()))?
                    .timeout(Some(Duration::from_secs(15)));
                if let Some(tls) = super::relay_tls::for_lettre_url(url).map_err(TransportError::Url)? {
                    builder = builder.tls(tls);
                }
                if let (Ok(user), Ok(password)) = (std::env::var("SMTP_USERNAME"), std::env::var("SMTP_PASSWORD")) {
                    builder = builder.credentials(Credentials::new(user, password));
                }
                Some(builder.build())
            }
            None => None,
        };
        let from_addr = from.parse::<lettre::message::Mailbox>().map_err(|_| TransportError::From(from.to_owned()))?;
        Ok(MailTransport { smtp, outbox, from: from_addr.email, relays: Arc::default() })
    }

    /// The transport for `site`'s emails: its own relay when its consent.toml names one (`[collector] smtp`,
    /// credentials from `SMTP_USERNAME_<SITE>` / `SMTP_PASSWORD_<SITE>`), else this one. The outbox stays.
    pub fn for_site(&self, site: &str, relay: Option<&str>) -> Result<MailTransport, TransportError> {
        let Some(url) = relay else { return Ok(self.clone()) };
        let mut relays = self.relays.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let smtp = match relays.get(&(site.to_owned(), url.to_owned())) {
            Some(smtp) => smtp.clone(),
            None => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| TransportError::Url(format!("{site}: {e}")))?
                    .timeout(Some(Duration::from_secs(15)));
                if let Some(tls) =
                    super::relay_tls::for_lettre_url(url).map_err(|e| TransportError::Url(format!("{site}: {e}")))?
                {
                    builder = builder.tls(tls);
                }
                let (user, password) = credential_variables(site);
                if let (Ok(user), Ok(password)) = (std::env::var(user), std::env::var(password)) {
                    builder = builder.credentials(Credentials::new(user, password));
                }
                let smtp = builder.build();
                relays.insert((site.to_owned(), url.to_owned()), smtp.clone());
                smtp
            }
        };
        Ok(MailTransport { smtp: Some(smtp), ..self.clone() })
    }

    /// Whether emails can leave at all.
    pub fn is_configured(&self) -> bool {
        self.smtp.is_some() || self.outbox.is_some()
    }

    /// Sends one composed message now, outside the queue (the staff console's password links: they concern no
    /// record, and a lost one is simply asked for again).
    pub async fn send_now(&self, to: &str, message: &[u8]) -> Result<(), String> {
        let mail = QueuedMail { id: 0, to: to.to_owned(), job: String::new(), attempts: 0 };
        self.deliver(&mail, None, None, message).await.map_err(|e| e.to_string())
    }

    /// Sends one composed message now from `sender`, written to the outbox too under `record_id` (a campaign's
    /// messages, which their own queue tracks), saying whether a failure is for good.
    pub async fn send_message(
        &self,
        to: &str,
        sender: &str,
        record_id: &str,
        message: &[u8],
    ) -> Result<(), SendFailure> {
        let mail = QueuedMail { id: 0, to: to.to_owned(), job: String::new(), attempts: 0 };
        self.deliver(&mail, Some(record_id), Some(sender), message).await
    }

    /// Writes and/or sends one email, from `sender` (the message's `From:`; the transport's address when none)
    /// so that the envelope and the header name the same controller; the error text is safe to log (addresses
    /// redacted).
    async fn deliver(
        &self,
        mail: &QueuedMail,
        record_id: Option<&str>,
        sender: Option<&str>,
        message: &[u8],
    ) -> Result<(), SendFailure> {
        let temporary = |text: String| SendFailure::Temporary(text);
        if let Some(outbox) = &self.outbox
            && mail.attempts == 0
        {
            let path = super::outbox::file_for(outbox, record_id);
            tokio::fs::write(&path, message).await.map_err(|e| temporary(format!("outbox: {e}")))?;
        }
        if let Some(smtp) = &self.smtp {
            let to: Address = mail.to.parse().map_err(|_| SendFailure::Permanent("recipient address".to_owned()))?;
            let from = sender.and_then(|s| s.parse::<Address>().ok()).unwrap_or_else(|| self.from.clone());
            let envelope =
                Envelope::new(Some(from), vec![to]).map_err(|e| temporary(redact_addresses(&e.to_string())))?;
            // SMTP servers often echo the recipient in their refusal ("550 <x@y>: user unknown"), and lettre
            // passes the reply on: the address is personal data and stays out of the log.
            smtp.send_raw(&envelope, message).await.map_err(smtp_failure)?;
        }
        Ok(())
    }
}

/// The environment variables holding the credentials for `site`'s own relay: `SMTP_USERNAME_<SITE>` and
/// `SMTP_PASSWORD_<SITE>`, the site id in capitals with every other character than a letter or digit as `_`
/// (`ecole-exemple` → `SMTP_USERNAME_ECOLE_EXEMPLE`).
pub fn credential_variables(site: &str) -> (String, String) {
    let name: String =
        site.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    (format!("SMTP_USERNAME_{name}"), format!("SMTP_PASSWORD_{name}"))
}

/// Why an email did not leave; the text is safe to log (addresses redacted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// Refused for good (an SMTP 5xx answer, an unusable address): the address is marked undeliverable and no
    /// email goes to it again.
    #[error("{0}")]
    Permanent(String),
    /// May work later (a 4xx answer, no connection, the outbox folder): retried with backoff.
    #[error("{0}")]
    Temporary(String),
}

/// An SMTP error as the queues read it: for good only when a 5xx is about the message or its recipient, not
/// the relay refusing the collector ([`is_relay_refusal`]); addresses redacted.
pub fn smtp_failure(e: lettre::transport::smtp::Error) -> SendFailure {
    let text = redact_addresses(&e.to_string());
    if e.is_permanent() && !is_relay_refusal(&e) { SendFailure::Permanent(text) } else { SendFailure::Temporary(text) }
}

/// Whether an SMTP error is the relay refusing the collector itself — TLS, or the sign-in answers of RFC 4954
/// and RFC 3207 (530 sign-in or STARTTLS required, 534 mechanism too weak, 535 credentials refused, 538
/// encryption required) — rather than the recipient: a 5xx of that kind must never mark an address
/// undeliverable (a wrong relay password would otherwise bounce a whole campaign's audience for good).
fn is_relay_refusal(e: &lettre::transport::smtp::Error) -> bool {
    e.is_tls() || e.status().is_some_and(|code| matches!(u16::from(code), 530 | 534 | 535 | 538))
}

/// `text` with every email address in it replaced by `[address]`.
pub fn redact_addresses(text: &str) -> String {
    const LOCAL: &str = ".!#$%&'*+/=?^_`{|}~-";
    let local = |c: char| c.is_alphanumeric() || LOCAL.contains(c);
    let domain = |c: char| c.is_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']' || c == ':';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        let before = &rest[..at];
        let start = before.char_indices().rev().take_while(|&(_, c)| local(c)).last().map_or(at, |(i, _)| i);
        let after = &rest[at + 1..];
        let len = after.char_indices().take_while(|&(_, c)| domain(c)).last().map_or(0, |(i, c)| i + c.len_utf8());
        // A sentence's full stop after the address is not part of it.
        let len = after[..len].trim_end_matches('.').len();
        if start < at && len > 0 {
            out.push_str(&rest[..start]);
            out.push_str("[address]");
            rest = &after[len..];
        } else {
            out.push_str(&rest[..=at]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The delay before attempt `attempts + 1`: 5 s, 10 s, 20 s… at most one hour.
pub fn backoff_ms(attempts: u32) -> i64 {
    (5_000i64 << attempts.min(10)).min(3_600_000)
}

/// What composing an email needs: the sites' words, the key that signs links, where links point.
#[derive(Debug, Clone)]
pub struct MailContext {
    /// Sites served.
    pub sites: Sites,
    /// Signs the confirmation and manage links.
    pub key: CollectorKey,
    /// The collector's public base URL.
    pub public_url: String,
    /// The sender address for every site (`--mail-from`); without it, each site's emails come from its own
    /// controller's address.
    pub from: Option<String>,
    /// Log each email's links (`--demo-log-links` only: they are credentials).
    pub log_links: bool,
}

/// The record a job is about, as it stands now.
struct Subjectmatter {
    record: RecordRow,
    submission: Option<SubmissionPayload>,
    held: bool,
    /// Everything held about the subject, read only for an access export.
    file: Option<crate::ledger::SubjectFile>,
}

/// Composes a job's message; `None` when there is nothing to send any more (record gone, erased, expired,
/// or already confirmed for a confirmation).
fn write_message(
    ctx: &MailContext,
    mail: &QueuedMail,
    job: &MailJob,
    about: Option<&Subjectmatter>,
    now: i64,
) -> Option<(String, Vec<u8>)> {
    let about = about.filter(|a| a.held)?;
    let record = &about.record;
    let site = &*ctx.sites.get(&record.site)?;
    let manage = |now| {
        let token =
            links::sign(&ctx.key, LinkKind::Manage, &record.site, &record.record_id, now, links::MANAGE_LINK_DAYS);
        links::url(&ctx.public_url, LinkKind::Manage, &token)
    };
    let from = site.mail_from(ctx.from.as_deref());
    let message = match job {
        MailJob::Confirmation { .. } => {
            if record.status != RecordStatus::Pending {
                return None;
            }
            let days = i64::from(site.config.collector().confirm_within_days);
            // The link expires with the record: `confirm_within_days` after the submission.
            let token =
                links::sign(&ctx.key, LinkKind::Confirm, &record.site, &record.record_id, record.created_at, days);
            let confirm_url = links::url(&ctx.public_url, LinkKind::Confirm, &token);
            let manage_url = manage(now);
            if ctx.log_links {
                tracing::info!(record_id = %record.record_id, confirm = %confirm_url, manage = %manage_url, "demo: email links");
            }
            let first_name = about.submission.as_ref().and_then(|s| s.subject.get("first_name")).map(String::as_str);
            compose::confirmation(
                site,
                record.locale,
                &from,
                &mail.to,
                first_name,
                &record.cta,
                &record.choices,
                record.created_at,
                &confirm_url,
                &manage_url,
            )
        }
        MailJob::ManageLink { .. } => {
            let manage_url = manage(now);
            if ctx.log_links {
                tracing::info!(record_id = %record.record_id, manage = %manage_url, "demo: manage link");
            }
            let valid_until = now + links::MANAGE_LINK_DAYS * crate::clock::DAY_MS;
            compose::manage_link(site, record.locale, &from, &mail.to, &manage_url, valid_until)
        }
        MailJob::AddressChange { .. } => {
            // The new address is the recipient: the link names it, so that following it proves it is theirs.
            let token = links::sign_address(&ctx.key, &record.site, &record.record_id, &mail.to, now);
            let address_url = links::url(&ctx.public_url, LinkKind::Address, &token);
            if ctx.log_links {
                tracing::info!(record_id = %record.record_id, address = %address_url, "demo: address link");
            }
            let valid_until = now + links::ADDRESS_LINK_DAYS * crate::clock::DAY_MS;
            compose::address_change(site, record.locale, &from, &mail.to, &address_url, valid_until)
        }
        MailJob::AddressChanged { .. } => compose::address_changed(site, record.locale, &from, &mail.to, &manage(now)),
        MailJob::AccessExport { .. } => {
            let file = about.file.as_ref()?;
            let document = crate::subject_data::document(file, site, &ctx.public_url, now);
            compose::access_export(site, &from, &mail.to, file, &document)
        }
        MailJob::ProfileReminder { .. } => {
            let granted: Vec<&str> = record.choices.iter().filter(|(_, g)| **g).map(|(p, _)| p.as_str()).collect();
            let fields = site.config.profile_covered_by(&granted);
            // A consent withdrawn between the queueing and now: nothing of the profile is covered any more, so
            // there is nothing to remind them of (and no basis to write).
            if fields.is_empty() {
                return None;
            }
            let stop = super::profile_reminder::sign_stop(&ctx.key, &record.site, &record.record_id, now);
            let (manage_url, stop_url) = (manage(now), super::profile_reminder::stop_url(&ctx.public_url, &stop));
            super::profile_reminder::compose(&super::profile_reminder::Reminder {
                site,
                from: &from,
                to: &mail.to,
                fields,
                manage_url: &manage_url,
                manage_until: now + links::MANAGE_LINK_DAYS * crate::clock::DAY_MS,
                stop_url: &stop_url,
                next_at: now + crate::ledger::profile::REMINDER_EVERY_MS,
            })
        }
    };
    match message {
        Ok(bytes) => Some((from, bytes)),
        Err(e) => {
            tracing::error!(mail_id = mail.id, error = %e, "cannot compose an email; dropped");
            None
        }
    }
}

/// How long a claimed email is this sender's: sent or rescheduled well within it, or left to another sender.
const LEASE_MS: i64 = 5 * 60_000;

/// Runs forever: claims what is due (through the writer: a claim is a write, which senders in several collectors
/// on one database take in turns), reads what the emails are about on the read pool, composes and sends them,
/// records the outcomes, then waits for a wake-up or one second.
pub async fn run_sender(state: AppState, transport: MailTransport, ctx: MailContext) {
    let (writer, clock, metrics) = (&state.writer, &state.clock, &state.metrics);
    loop {
        let now = clock.now_ms();
        let claimed = writer.run(move |l| Ok(l.store().claim_mail(now, 256, now + LEASE_MS)?)).await;
        let claimed = claimed.unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot claim from the mail queue");
            Vec::new()
        });
        let due = if claimed.is_empty() {
            Ok((Vec::new(), Vec::new()))
        } else {
            state
                .read(move |l| {
                    let due = claimed;
                    let mut about = Vec::with_capacity(due.len());
                    for mail in &due {
                        let job: Option<MailJob> = serde_json::from_str(&mail.job).ok();
                        let found = match &job {
                            Some(job) => l.store().record(job.record_id())?.map(|record| (record, job.clone())),
                            None => None,
                        };
                        let Some((record, job)) = found else {
                            about.push((job, None));
                            continue;
                        };
                        let data = l.store().record_data(&record.record_id)?;
                        let held = l.store().subject(&record.subject_id)?.is_some_and(|s| s.anonymised_at.is_none());
                        // An address a server refused for good (5xx) is not written to again.
                        let held = held && !crate::campaign::is_undeliverable(l.store(), &record.site, &mail.to)?;
                        // An opt-out between the queueing and now still stops the reminder.
                        let held = held
                            && !(matches!(job, MailJob::ProfileReminder { .. })
                                && crate::ledger::profile::reminder_stopped(
                                    l.store(),
                                    &record.site,
                                    &record.subject_id,
                                )?);
                        let submission = data
                            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d.data).ok())
                            .and_then(|v| v.get("payload").and_then(|p| p.as_str()).map(str::to_owned))
                            .and_then(|p| serde_json::from_str::<SubmissionPayload>(&p).ok());
                        let file = match &job {
                            MailJob::AccessExport { .. } if held => Some(l.subject_file(&record.record_id)?),
                            _ => None,
                        };
                        about.push((Some(job), Some(Subjectmatter { record, submission, held, file })));
                    }
                    Ok((due, about))
                })
                .await
        };
        let (due, about) = match due {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the mail queue");
                (Vec::new(), Vec::new())
            }
        };
        let idle = due.is_empty();
        // Deliver the whole batch, then record every outcome in one ledger operation.
        let mut done = Vec::new();
        let mut retries = Vec::new();
        let mut bounced = Vec::new();
        for (mail, (job, subject)) in due.iter().zip(&about) {
            let message = job.as_ref().and_then(|job| write_message(&ctx, mail, job, subject.as_ref(), now));
            let Some((from, message)) = message else {
                tracing::info!(mail_id = mail.id, "nothing to send any more; dropped from the queue");
                done.push(mail.id);
                continue;
            };
            let site = subject.as_ref().and_then(|about| ctx.sites.get(&about.record.site));
            let relay = site.as_ref().and_then(|site| site.config.collector().smtp.as_deref());
            let site_id = subject.as_ref().map_or("", |about| about.record.site.as_str());
            let sent = match transport.for_site(site_id, relay) {
                Ok(transport) => {
                    transport.deliver(mail, job.as_ref().map(MailJob::record_id), Some(&from), &message).await
                }
                Err(e) => Err(SendFailure::Temporary(e.to_string())),
            };
            match sent {
                Ok(()) => {
                    metrics.mail_sent();
                    tracing::info!(mail_id = mail.id, "email sent");
                    done.push(mail.id);
                }
                Err(SendFailure::Permanent(e)) => {
                    metrics.mail_failed();
                    tracing::warn!(mail_id = mail.id, error = %e, "email refused for good; address marked undeliverable");
                    if let Some(about) = subject {
                        bounced.push((about.record.site.clone(), mail.to.clone(), e));
                    }
                    done.push(mail.id);
                }
                Err(e) => {
                    metrics.mail_failed();
                    let next = clock.now_ms() + backoff_ms(mail.attempts);
                    tracing::warn!(mail_id = mail.id, attempt = mail.attempts + 1, error = %e, "email not sent; will retry");
                    retries.push((mail.id, mail.attempts + 1, next));
                }
            }
        }
        if !done.is_empty() || !retries.is_empty() {
            let update = writer
                .run(move |l| {
                    for (site, to, reason) in bounced {
                        crate::campaign::mark_undeliverable(l.store(), &site, &to, &reason, now)?;
                    }
                    for id in done {
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
            if let Ok(len) = state.read(|l| Ok(l.store().mail_queue_len()?)).await {
                metrics.mail_queue(len);
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), state.mail_wakeup.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{credential_variables, redact_addresses};

    #[test]
    fn a_sites_relay_credentials_are_named_after_the_site() {
        let (user, password) = credential_variables("ecole-exemple.fr");
        assert_eq!(
            (user.as_str(), password.as_str()),
            ("SMTP_USERNAME_ECOLE_EXEMPLE_FR", "SMTP_PASSWORD_ECOLE_EXEMPLE_FR")
        );
    }

    #[test]
    fn addresses_are_redacted_from_transport_errors() {
        assert_eq!(
            redact_addresses("permanent error (550): 5.1.1 <ada.l+x@example.org>: unknown in ada@ex-ample.fr."),
            "permanent error (550): 5.1.1 <[address]>: unknown in [address]."
        );
        assert_eq!(redact_addresses("an @ alone, a@ and @b"), "an @ alone, a@ and @b");
        assert_eq!(redact_addresses("connection refused"), "connection refused");
    }
}
