//! `collector campaign report ID [--json]` and the console's campaign list: what a campaign's queue and the
//! ledger say happened — queued, sent, bounced, skipped (and why), objected, and the consents its recipients
//! gave afterwards, per purpose.

use super::store::{self, CampaignRow};
use crate::clock::rfc3339;
use crate::ledger::{Ledger, LedgerError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A campaign's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The campaign's id.
    pub campaign_id: String,
    /// The site.
    pub site: String,
    /// `soft_opt_in` or `legacy`.
    pub audience: String,
    /// The subject line as written.
    pub subject: String,
    /// When it was created, RFC 3339.
    pub created_at: String,
    /// Recipients queued in all.
    pub queued: u64,
    /// Accepted by the SMTP server.
    pub sent: u64,
    /// Refused for good (the address is now undeliverable).
    pub bounced: u64,
    /// Not written to after all, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Given up after repeated temporary failures.
    pub failed: u64,
    /// Still to send (including those waiting for another attempt).
    pub pending: u64,
    /// Being sent now.
    pub sending: u64,
    /// Interrupted between the claim and the server's answer: maybe delivered, never sent again.
    pub uncertain: u64,
    /// Recipients who objected through this campaign's link.
    pub objected: u64,
    /// Consents its recipients gave after it was created, per purpose (still given now).
    pub consents_after: BTreeMap<String, u64>,
}

/// The report of one campaign, `None` if there is no such campaign.
pub fn report(ledger: &mut Ledger, campaign_id: &str, now: i64) -> Result<Option<Report>, LedgerError> {
    let Some(campaign) = store::campaign(ledger.store(), campaign_id)? else { return Ok(None) };
    Ok(Some(of(ledger, &campaign, now)?))
}

/// The report of a campaign row.
pub fn of(ledger: &mut Ledger, campaign: &CampaignRow, now: i64) -> Result<Report, LedgerError> {
    let id = &campaign.campaign_id;
    let mut r = Report {
        campaign_id: id.clone(),
        site: campaign.site.clone(),
        audience: campaign.audience.clone(),
        subject: campaign.subject_line.clone(),
        created_at: rfc3339(campaign.created_at),
        queued: 0,
        sent: 0,
        bounced: 0,
        skipped: BTreeMap::new(),
        failed: 0,
        pending: 0,
        sending: 0,
        uncertain: 0,
        objected: store::objections_of_campaign(ledger.store(), id)?,
        consents_after: BTreeMap::new(),
    };
    for count in store::state_counts(ledger.store(), id, now)? {
        r.queued += count.count;
        match count.state.as_str() {
            "sent" => r.sent += count.count,
            "bounced" => r.bounced += count.count,
            "failed" => r.failed += count.count,
            "queued" => r.pending += count.count,
            "sending" => r.sending += count.count,
            "uncertain" => r.uncertain += count.count,
            _ => *r.skipped.entry(count.reason.unwrap_or_default()).or_default() += count.count,
        }
    }
    for recipient in store::recipients_of(ledger.store(), id)? {
        for consent in ledger.store().consents_of(&recipient.subject_id)? {
            if consent.granted && consent.updated_at >= campaign.created_at {
                *r.consents_after.entry(consent.purpose).or_default() += 1;
            }
        }
    }
    Ok(r)
}

impl Report {
    /// The report as text, French then English on each line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "campagne / campaign {} ({}, {})", self.campaign_id, self.site, self.audience);
        let _ = writeln!(out, "objet / subject : {}", self.subject);
        let _ = writeln!(out, "créée / created : {}", self.created_at);
        let _ = writeln!(out, "destinataires / queued : {}", self.queued);
        let _ = writeln!(out, "envoyés / sent : {}", self.sent);
        let _ = writeln!(out, "refusés définitivement / bounced : {}", self.bounced);
        let skipped: u64 = self.skipped.values().sum();
        let reasons: Vec<String> = self.skipped.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let _ = writeln!(
            out,
            "non envoyés / skipped : {skipped}{}",
            if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) }
        );
        let _ = writeln!(out, "abandonnés après plusieurs essais / failed : {}", self.failed);
        let _ = writeln!(out, "en attente / pending : {}", self.pending);
        let _ = writeln!(out, "en cours d'envoi / sending : {}", self.sending);
        let _ = writeln!(
            out,
            "interrompus, peut-être reçus, jamais renvoyés / interrupted, maybe delivered, never resent : {}",
            self.uncertain
        );
        let _ = writeln!(out, "oppositions / objected : {}", self.objected);
        let consents: Vec<String> = self.consents_after.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let _ = writeln!(
            out,
            "consentements donnés depuis / consents given since : {}",
            if consents.is_empty() { "0".to_owned() } else { consents.join(", ") }
        );
        out
    }
}
