//! What the queue holds: a job naming the email to write, not the email itself. It is composed when sent, from
//! the record as it then is (an erased or expired record is no longer mailed).

use crate::storage::NewMail;
use serde::{Deserialize, Serialize};

/// One email to compose and send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum MailJob {
    /// The double opt-in email of a new record: what was accepted, the confirmation and manage links.
    Confirmation {
        /// The record.
        record_id: String,
    },
    /// A fresh manage link, asked for with `POST /v1/access`.
    ManageLink {
        /// The subject's latest record.
        record_id: String,
    },
    /// The link confirming a new address (rectification on the manage page), sent to that address.
    AddressChange {
        /// The record whose manage link asked for it.
        record_id: String,
    },
    /// To the previous address once a new one confirmed: the change is told where it can be disputed.
    AddressChanged {
        /// The record whose manage link asked for it.
        record_id: String,
    },
    /// The answer to an access request logged in the staff console (art. 15): everything held, as a summary in
    /// the body and the manage page's JSON download attached, both made from the ledger when sent.
    AccessExport {
        /// The subject's latest record.
        record_id: String,
    },
    /// The yearly « mettez à jour votre profil » reminder (issue 15.2), with its opt-out link.
    ProfileReminder {
        /// The subject's latest confirmed record.
        record_id: String,
    },
}

impl MailJob {
    /// The queue entry for this job to `to`.
    pub fn to(&self, to: &str) -> NewMail {
        NewMail { to: to.to_owned(), job: serde_json::to_string(self).unwrap_or_default() }
    }

    /// The record the job is about.
    pub fn record_id(&self) -> &str {
        match self {
            MailJob::Confirmation { record_id }
            | MailJob::ManageLink { record_id }
            | MailJob::AddressChange { record_id }
            | MailJob::AddressChanged { record_id }
            | MailJob::AccessExport { record_id }
            | MailJob::ProfileReminder { record_id } => record_id,
        }
    }
}
