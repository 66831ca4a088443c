//! What the staff console needs of campaigns beyond the command line's calls: the recipient a preview is
//! rendered for, the placeholders' values of one addressee, and the campaigns' figures for a list.

use super::audience::{self, Addressee, Audience, Selection};
use super::store::{self, CampaignRow, RecipientRow};
use super::template::CONTROLLER;
use crate::ledger::{Ledger, LedgerError};
use crate::sites::Site;
use crate::storage::ConsentRow;
use std::collections::{BTreeMap, HashMap};

/// Who `audience` on `site` writes to now, and the first of them whose message can be composed (the one a
/// preview and a test message are rendered for), if any.
pub fn first_addressee(
    ledger: &mut Ledger,
    site: &str,
    audience: Audience,
) -> Result<(Selection, Option<Addressee>), LedgerError> {
    let selection = audience::select(ledger, site, audience)?;
    let mut found = None;
    for candidate in &selection.recipients {
        // Not a queued row yet: only the fields `addressee` reads.
        let row = RecipientRow {
            id: 0,
            campaign_id: String::new(),
            subject_id: candidate.subject_id.clone(),
            record_id: candidate.record_id.clone(),
            email_sha256: candidate.email_sha256.clone(),
            state: "queued".into(),
            attempts: 0,
            next_attempt_at: 0,
            lease_until: None,
            outcome: None,
            updated_at: 0,
        };
        if let Ok(addressee) = audience::addressee(ledger.store(), site, &row, audience)? {
            found = Some(addressee);
            break;
        }
    }
    Ok((selection, found))
}

/// The placeholders' values for `addressee`: their fields and the controller's name.
pub fn values(site: &Site, addressee: &Addressee) -> BTreeMap<String, String> {
    let mut values = addressee.fields.clone();
    values.insert(CONTROLLER.to_owned(), site.config.controller().name.clone());
    values
}

/// A campaign's figures in a list (the console's campaigns page and dashboard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The campaign.
    pub campaign: CampaignRow,
    /// Recipients queued in all.
    pub queued: u64,
    /// Accepted by the SMTP server.
    pub sent: u64,
    /// Refused for good.
    pub bounced: u64,
    /// Still to send or being sent.
    pub pending: u64,
    /// Recipients who objected through its link.
    pub objected: u64,
    /// Consents its recipients gave after it was created and still give, per purpose.
    pub consents_after: BTreeMap<String, u64>,
}

/// The `limit` newest campaigns of `site`, summarised in a few reads whatever their size — the site's consents
/// in force are read once for all of them — where [`super::report::of`] reads each recipient's consents.
pub fn summaries(ledger: &mut Ledger, site: &str, limit: usize, now: i64) -> Result<Vec<Summary>, LedgerError> {
    let campaigns: Vec<CampaignRow> = store::campaigns_of_site(ledger.store(), site)?.into_iter().take(limit).collect();
    if campaigns.is_empty() {
        return Ok(Vec::new());
    }
    let mut granted: HashMap<String, Vec<ConsentRow>> = HashMap::new();
    for consent in ledger.store().granted_all(site)? {
        granted.entry(consent.subject_id.clone()).or_default().push(consent);
    }
    let mut out = Vec::with_capacity(campaigns.len());
    for campaign in campaigns {
        let id = campaign.campaign_id.clone();
        let mut s = Summary {
            objected: store::objections_of_campaign(ledger.store(), &id)?,
            campaign,
            queued: 0,
            sent: 0,
            bounced: 0,
            pending: 0,
            consents_after: BTreeMap::new(),
        };
        for count in store::state_counts(ledger.store(), &id, now)? {
            s.queued += count.count;
            match count.state.as_str() {
                "sent" => s.sent += count.count,
                "bounced" => s.bounced += count.count,
                "queued" | "sending" => s.pending += count.count,
                _ => {}
            }
        }
        for recipient in store::recipients_of(ledger.store(), &id)? {
            for consent in granted.get(&recipient.subject_id).into_iter().flatten() {
                if consent.updated_at >= s.campaign.created_at {
                    *s.consents_after.entry(consent.purpose.clone()).or_default() += 1;
                }
            }
        }
        out.push(s);
    }
    Ok(out)
}
