//! The campaign's durable queue and its sender.
//!
//! [`create`] records the campaign and one `queued` row per recipient in one transaction. [`Sender::run`]
//! drains it: each transaction records the outcomes that came back and claims the next rows (`sending`, leased),
//! whose messages then go to the SMTP server, up to `parallel` at once and no faster than the campaign's rate.
//!
//! **At most once.** A row is `sending` from its claim to the transaction that records its outcome. If the
//! sender dies in between (`kill -9`, a power cut), nobody knows whether the server accepted that message: when
//! its lease ends the row becomes `uncertain` and is **never sent again**. The window is the rows in flight —
//! at most `parallel` (4 by default) per sender — each counted apart in the report, never twice at the server.
//! A resumed (or second) sender takes only `queued` rows. Temporary failures (4xx, no connection) go back to
//! the queue with backoff (5 s, 10 s, 20 s…) up to [`MAX_ATTEMPTS`]; a permanent one (5xx) marks the address
//! undeliverable for every email of the collector.

use super::audience::{self, Audience, Selection};
use super::message::{Letter, compose};
use super::smtp::Connections;
use super::store::{self, CampaignRow, RecipientRow};
use super::template::{CONTROLLER, Template};
use super::token;
use crate::keys::sortable_id;
use crate::ledger::{Ledger, LedgerError, sha256_hex};
use crate::links::{self, LinkKind};
use crate::mail::MailTransport;
use crate::mail::sender::{SendFailure, backoff_ms};
use crate::sites::Site;
use consent::signature::CollectorKey;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender as Channel, channel};
use std::time::Duration;

/// Attempts before a temporarily failing message is given up (`failed`): 5 s + 10 s + … ≈ 5 minutes of retries.
pub const MAX_ATTEMPTS: u32 = 6;

/// How long a claimed row is its sender's (an SMTP exchange times out after 15 s).
pub const DEFAULT_LEASE_MS: i64 = 120_000;

/// What a new campaign is.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    /// The site.
    pub site: &'a Site,
    /// Who it goes to.
    pub audience: Audience,
    /// The template's source.
    pub template: &'a str,
    /// Its subject line as written (from the parsed template).
    pub subject_line: String,
    /// Messages per minute (0: unthrottled).
    pub rate_per_minute: i64,
    /// `cli` or the console account.
    pub created_by: &'a str,
}

/// The site's fields, each a placeholder.
pub fn field_names(site: &Site) -> Vec<String> {
    site.config.fields().iter().map(|f| f.id.to_string()).collect()
}

/// Records a campaign and queues its recipients, in one transaction: all of them or none.
pub fn create(ledger: &mut Ledger, new: &NewCampaign<'_>, now: i64) -> Result<(CampaignRow, Selection), LedgerError> {
    let site_id = new.site.config.site().as_str().to_owned();
    let row = CampaignRow {
        campaign_id: sortable_id(now),
        site: site_id.clone(),
        audience: new.audience.as_str().to_owned(),
        subject_line: new.subject_line.clone(),
        template: new.template.to_owned(),
        template_sha256: sha256_hex(new.template.as_bytes()),
        rate_per_minute: new.rate_per_minute,
        created_by: new.created_by.to_owned(),
        created_at: now,
    };
    let audience = new.audience;
    ledger.transaction(|l| {
        let selection = audience::select(l, &site_id, audience)?;
        store::insert_campaign(l.store(), &row)?;
        for c in &selection.recipients {
            store::insert_recipient(l.store(), &row.campaign_id, &c.subject_id, &c.record_id, &c.email_sha256, now)?;
        }
        Ok((row.clone(), selection))
    })
}

/// Where a sender's messages come from and point to.
pub struct Sender<'a> {
    /// The ledger (this process's own connection).
    pub ledger: &'a mut Ledger,
    /// The campaign's site.
    pub site: Arc<Site>,
    /// Signs the objection and manage links (the key `collector serve` checks them with).
    pub key: CollectorKey,
    /// The collector's public base URL (where `/objection/…` and `/manage/…` are served).
    pub public_url: String,
    /// The sender address (the controller's by default).
    pub from: String,
    /// SMTP (and/or an outbox folder).
    pub transport: MailTransport,
    /// The runtime SMTP runs on (the ledger's calls stay on this thread: a PostgreSQL client may not run inside
    /// tokio).
    pub runtime: &'a tokio::runtime::Runtime,
    /// Messages in flight at once.
    pub parallel: usize,
    /// How long a claim lasts.
    pub lease_ms: i64,
    /// Messages per minute, instead of the campaign's (0: unthrottled).
    pub rate_per_minute: Option<i64>,
    /// Set (by Ctrl-C) to stop claiming; what is in flight is finished and recorded.
    pub stop: Arc<AtomicBool>,
    /// Print progress on standard error.
    pub progress: bool,
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Accepted by the SMTP server.
    pub sent: u64,
    /// Refused for good.
    pub bounced: u64,
    /// Not written to after all (objected, erased, bounced since).
    pub skipped: u64,
    /// Given up after [`MAX_ATTEMPTS`].
    pub failed: u64,
    /// Back in the queue for a later attempt.
    pub retried: u64,
    /// Rows of an interrupted sender found past their lease (never sent again).
    pub uncertain: u64,
    /// Stopped before the queue was empty (Ctrl-C).
    pub interrupted: bool,
}

/// A message on its way, and how it ended.
struct Outcome {
    row: RecipientRow,
    email: String,
    result: Result<(), SendFailure>,
}

fn now_ms() -> i64 {
    crate::clock::Clock::now_ms(&crate::clock::SystemClock)
}

impl Sender<'_> {
    /// Sends what the campaign's queue holds, until it is empty (or Ctrl-C), through [`Sender::transport`].
    pub fn run(&mut self, campaign: &CampaignRow) -> Result<RunSummary, LedgerError> {
        self.run_with(campaign, None)
    }

    /// [`Sender::run`], the SMTP part through `direct` (connections with `TCP_NODELAY`, [`super::smtp`]) when
    /// given: the transport then only writes the outbox, if it has one, and must hold no SMTP server itself.
    pub fn run_with(
        &mut self,
        campaign: &CampaignRow,
        direct: Option<Arc<Connections>>,
    ) -> Result<RunSummary, LedgerError> {
        let audience = Audience::parse(&campaign.audience).unwrap_or(Audience::SoftOptIn);
        let template = Template::parse(&campaign.template, &field_names(&self.site))
            .map_err(|e| LedgerError::Store(crate::storage::StoreError::Corrupt(format!("campaign template: {e}"))))?;
        let rate = self.rate_per_minute.unwrap_or(campaign.rate_per_minute).max(0);
        let interval_ms = if rate > 0 { 60_000 / rate } else { 0 };
        let mut next_slot = now_ms();
        let (done_tx, done_rx): (Channel<Outcome>, Receiver<Outcome>) = channel();
        let mut summary = RunSummary::default();
        let mut in_flight = 0usize;
        let mut last_progress = std::time::Instant::now();
        let id = campaign.campaign_id.clone();
        // Outcomes received while waiting, recorded with the next claims: one transaction per round, not two.
        let mut arrived: Vec<Outcome> = Vec::new();
        loop {
            let now = now_ms();
            let mut outcomes = std::mem::take(&mut arrived);
            while let Ok(o) = done_rx.try_recv() {
                outcomes.push(o);
            }
            in_flight -= outcomes.len();
            let stopping = self.stop.load(Ordering::SeqCst);
            let mut room = if stopping { 0 } else { self.parallel.saturating_sub(in_flight) };
            if interval_ms > 0 {
                let slots = usize::try_from((now - next_slot) / interval_ms + 1).unwrap_or(0);
                room = room.min(slots);
            }
            let (site_id, lease) = (campaign.site.clone(), self.lease_ms);
            let mut claimed = Vec::new();
            self.ledger.transaction(|l| {
                summary.uncertain += store::expire_leases(l.store(), &id, now)?;
                for o in outcomes {
                    record(l, &site_id, o, now, &mut summary)?;
                }
                while claimed.len() < room {
                    let Some(row) = store::claim_recipient(l.store(), &id, now, now + lease)? else { break };
                    match audience::addressee(l.store(), &site_id, &row, audience)? {
                        Ok(addressee) => claimed.push((row, addressee)),
                        Err(skip) => {
                            store::finish_recipient(l.store(), row.id, "skipped", skip.as_str(), now)?;
                            summary.skipped += 1;
                        }
                    }
                }
                Ok(())
            })?;
            for (row, addressee) in claimed {
                let message = self.message(campaign, &template, audience, &row, &addressee, now);
                let email = addressee.email;
                let (transport, direct) = (self.transport.clone(), direct.clone());
                let (from, tx, record_id) = (self.from.clone(), done_tx.clone(), row.record_id.clone());
                in_flight += 1;
                next_slot = next_slot.max(now - interval_ms) + interval_ms;
                self.runtime.spawn(async move {
                    let result = match message {
                        Ok(bytes) => match (transport.send_message(&email, &from, &record_id, &bytes).await, direct) {
                            (Ok(()), Some(direct)) => direct.send(&from, &email, &bytes).await,
                            (result, _) => result,
                        },
                        Err(e) => Err(SendFailure::Permanent(format!("cannot compose: {e}"))),
                    };
                    let _ = tx.send(Outcome { row, email, result });
                });
            }
            if self.progress && last_progress.elapsed() > Duration::from_secs(5) {
                eprintln!(
                    "… envoyés / sent {}, refusés / bounced {}, en attente de nouvel essai / to retry {}",
                    summary.sent, summary.bounced, summary.retried
                );
                last_progress = std::time::Instant::now();
            }
            if in_flight > 0 {
                // Wait for one outcome (or the next rate slot), then go round.
                let wait = if interval_ms > 0 { (next_slot - now_ms()).clamp(1, 1000) } else { 1000 };
                if let Ok(o) = done_rx.recv_timeout(Duration::from_millis(wait.unsigned_abs())) {
                    arrived.push(o);
                }
                continue;
            }
            if stopping {
                summary.interrupted = true;
                return Ok(summary);
            }
            let due = self.ledger.transaction(|l| Ok(store::next_due(l.store(), &id)?))?;
            match due {
                None => return Ok(summary),
                Some(at) => {
                    let wait = (at.max(next_slot) - now_ms()).clamp(0, 1000);
                    std::thread::sleep(Duration::from_millis(wait.unsigned_abs()));
                }
            }
        }
    }

    fn message(
        &self,
        campaign: &CampaignRow,
        template: &Template,
        audience: Audience,
        row: &RecipientRow,
        addressee: &audience::Addressee,
        now: i64,
    ) -> Result<Vec<u8>, crate::mail::MailError> {
        let mut values: BTreeMap<String, String> = addressee.fields.clone();
        values.insert(CONTROLLER.to_owned(), self.site.config.controller().name.clone());
        let rendered = template.render(&values);
        let objection = token::sign(&self.key, row.id, &campaign.campaign_id, &campaign.site, now);
        let objection_url = token::url(&self.public_url, &objection);
        let manage =
            links::sign(&self.key, LinkKind::Manage, &campaign.site, &row.record_id, now, links::MANAGE_LINK_DAYS);
        let manage_url = links::url(&self.public_url, LinkKind::Manage, &manage);
        compose(&Letter {
            site: &self.site,
            audience,
            from: &self.from,
            to: &addressee.email,
            rendered: &rendered,
            objection_url: &objection_url,
            manage_url: &manage_url,
            legacy: &addressee.legacy,
        })
    }
}

/// Records how one message ended, inside the caller's transaction.
fn record(l: &mut Ledger, site: &str, o: Outcome, now: i64, summary: &mut RunSummary) -> Result<(), LedgerError> {
    match o.result {
        Ok(()) => {
            store::finish_recipient(l.store(), o.row.id, "sent", "accepted", now)?;
            summary.sent += 1;
        }
        Err(SendFailure::Permanent(reason)) => {
            store::finish_recipient(l.store(), o.row.id, "bounced", &reason, now)?;
            super::mark_undeliverable(l.store(), site, &o.email, &reason, now)?;
            summary.bounced += 1;
        }
        Err(SendFailure::Temporary(reason)) if o.row.attempts >= MAX_ATTEMPTS => {
            store::finish_recipient(l.store(), o.row.id, "failed", &reason, now)?;
            summary.failed += 1;
        }
        Err(SendFailure::Temporary(reason)) => {
            let next = now + backoff_ms(o.row.attempts.saturating_sub(1));
            store::retry_recipient(l.store(), o.row.id, next, &reason, now)?;
            summary.retried += 1;
        }
    }
    Ok(())
}
