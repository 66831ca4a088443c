//! What campaigns store, on whichever database the collector runs on: each function passes the store to the
//! SQLite or PostgreSQL version in `storage/{sqlite,postgres}/campaign.rs`, on its connection and inside its
//! transaction (so that an objection and its `objected` ledger event commit together).

use crate::storage::postgres::campaign as pg;
use crate::storage::sqlite::campaign as lite;
use crate::storage::{Backend, Store, StoreError};

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    /// Its id (sortable by creation).
    pub campaign_id: String,
    /// The site.
    pub site: String,
    /// `soft_opt_in` or `legacy`.
    pub audience: String,
    /// The subject line of its messages, before placeholders.
    pub subject_line: String,
    /// The Markdown template as given.
    pub template: String,
    /// SHA-256 of the template file.
    pub template_sha256: String,
    /// Messages per minute (0: as fast as the server takes them).
    pub rate_per_minute: i64,
    /// Who made it: `cli` or the console account.
    pub created_by: String,
    /// When, Unix ms.
    pub created_at: i64,
}

/// One recipient of a campaign: a row of the durable queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    /// Queue id (also what the objection link names).
    pub id: i64,
    /// The campaign.
    pub campaign_id: String,
    /// The subject written to.
    pub subject_id: String,
    /// The record the message is about (its manage link).
    pub record_id: String,
    /// SHA-256 of the normalised address.
    pub email_sha256: String,
    /// `queued`, `sending`, `sent`, `bounced`, `skipped`, `failed` or `uncertain`.
    pub state: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before, Unix ms.
    pub next_attempt_at: i64,
    /// While `sending`: the claim's end.
    pub lease_until: Option<i64>,
    /// What happened last (the SMTP answer with addresses redacted, or why it was skipped).
    pub outcome: Option<String>,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

/// How many recipients stand in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    /// The state (`sending` rows whose lease ran out count as `uncertain`).
    pub state: String,
    /// For `skipped`: why.
    pub reason: Option<String>,
    /// How many.
    pub count: u64,
}

macro_rules! on_either {
    ($(#[$doc:meta] $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        #[$doc]
        pub fn $name(store: &mut dyn Store, $($arg: $ty),*) -> Result<$ret, StoreError> {
            match store.backend() {
                Backend::Sqlite(s) => lite::$name(s, $($arg),*),
                Backend::Postgres(s) => pg::$name(s, $($arg),*),
            }
        }
    )*};
}

on_either! {
    /// Inserts a campaign.
    insert_campaign(c: &CampaignRow) -> ();
    /// A campaign by id.
    campaign(id: &str) -> Option<CampaignRow>;
    /// A site's campaigns, newest first.
    campaigns_of_site(site: &str) -> Vec<CampaignRow>;
    /// Queues one recipient (`false` if already queued).
    insert_recipient(campaign_id: &str, subject_id: &str, record_id: &str, email_sha256: &str, now: i64) -> bool;
    /// Claims the oldest recipient due.
    claim_recipient(campaign_id: &str, now: i64, lease_until: i64) -> Option<RecipientRow>;
    /// Ends a recipient's row.
    finish_recipient(id: i64, state: &str, outcome: &str, now: i64) -> ();
    /// Queues a recipient again for later.
    retry_recipient(id: i64, next_attempt_at: i64, outcome: &str, now: i64) -> ();
    /// `sending` rows past their lease become `uncertain`.
    expire_leases(campaign_id: &str, now: i64) -> u64;
    /// The earliest attempt still queued.
    next_due(campaign_id: &str) -> Option<i64>;
    /// One recipient row.
    recipient(id: i64) -> Option<RecipientRow>;
    /// Every recipient of a campaign.
    recipients_of(campaign_id: &str) -> Vec<RecipientRow>;
    /// Recipients per state.
    state_counts(campaign_id: &str, now: i64) -> Vec<StateCount>;
    /// Records an objection (`false` if already held).
    put_objection(site: &str, email_sha256: &str, basis: &str, subject_id: &str, campaign_id: Option<&str>, now: i64) -> bool;
    /// Whether this address objected to this basis.
    is_objected(site: &str, email_sha256: &str, basis: &str) -> bool;
    /// Objections a campaign brought.
    objections_of_campaign(campaign_id: &str) -> u64;
    /// Marks an address undeliverable.
    put_undeliverable(site: &str, email_sha256: &str, reason: &str, now: i64) -> ();
    /// Whether an address is undeliverable.
    is_undeliverable(site: &str, email_sha256: &str) -> bool;
}

/// The key objections and bounces are stored under: SHA-256 of the address trimmed and lowercased (as subjects
/// hold it), so that the same address found again — a re-import, a new submission — is recognised.
pub fn email_key(email: &str) -> String {
    crate::ledger::sha256_hex(email.trim().to_lowercase().as_bytes())
}
