//! Staff accounts: who may sign in, with which role, on which sites.

use consent::Locale;
use serde::{Deserialize, Serialize};

/// The site list entry that stands for every site the collector serves.
pub const ALL_SITES: &str = "*";

/// What an account may do; each role can do everything the one before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Dashboards and the ledger's health.
    Viewer,
    /// + register search, proof bundles and exports.
    Staff,
    /// + accounts, rights requests, erasure and the audit log.
    Admin,
}

impl Role {
    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Staff, Role::Admin];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The name shown on screens.
    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Role::Viewer, Locale::Fr) => "Lecture seule",
            (Role::Viewer, Locale::En) => "Viewer",
            (Role::Staff, Locale::Fr) => "Équipe",
            (Role::Staff, Locale::En) => "Staff",
            (Role::Admin, Locale::Fr) => "Administrateur",
            (Role::Admin, Locale::En) => "Admin",
        }
    }
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Random id.
    pub account_id: String,
    /// Sign-in address, lower-cased.
    pub email: String,
    /// What it may do.
    pub role: Role,
    /// The sites it sees ([`ALL_SITES`] for all).
    pub sites: Vec<String>,
    /// Language of its screens and emails.
    pub locale: Locale,
    /// Argon2id PHC string; `None` until the invitation link is used.
    pub password_hash: Option<String>,
    /// TOTP secret (base32) once the second factor is set up.
    pub totp_secret: Option<String>,
    /// Time step of the last TOTP code accepted (a code of that step or before is refused).
    pub totp_last_step: Option<i64>,
    /// When an admin disabled it.
    pub disabled_at: Option<i64>,
    /// Created, Unix ms.
    pub created_at: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

impl Account {
    /// Whether the account sees `site`.
    pub fn sees(&self, site: &str) -> bool {
        self.sites.iter().any(|s| s == ALL_SITES || s == site)
    }
}

/// Normalises a typed sign-in address (trimmed, lower-cased).
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}
