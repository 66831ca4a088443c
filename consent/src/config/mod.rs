//! `consent.toml` → a validated [`Config`] that cannot hold an invalid state.
//!
//! Parsing happens in two stages (as ripgrep's low/high args): [`raw`] mirrors the file with every key
//! optional, then [`validate`] checks the law's requirements and builds the [`Config`], reporting every problem
//! with file, line, column and a hint.

mod defaults;
mod diagnostic;
mod minimisation;
mod profile;
mod raw;
mod validate;

pub use diagnostic::{ConfigError, Diagnostic};
pub use minimisation::Mismatch;
pub use profile::{PROFILE_MAX_LENGTH, ProfileChoice, ProfileField, ProfileKind, ProfileRefusal};

use crate::dates::Zone;
use crate::ids::{CtaId, FieldId, PurposeId, SiteId};
use crate::locale::{Locale, Localized};
use crate::regime::{LegalBasis, Regime};
use crate::vocabulary::{DataCategory, FieldKind, Operation, Recipient, Retention};

/// A validated configuration: one controller, its purposes, the form's fields, the CTAs and the notice settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    site: SiteId,
    default_locale: Locale,
    time_zone: Zone,
    controller: Controller,
    dpo: Option<Dpo>,
    purposes: Vec<Purpose>,
    fields: Vec<Field>,
    ctas: Vec<Cta>,
    profile: Vec<ProfileField>,
    notice: NoticeSettings,
    collector: CollectorSettings,
}

/// The controller (responsable de traitement).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Controller {
    /// Which regime applies.
    pub regime: Regime,
    /// Legal name.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// Contact email.
    pub email: String,
    /// Contact phone, if published.
    pub phone: Option<String>,
    /// Under `association-under-school`, the association named as a recipient.
    pub association: Option<String>,
}

/// The data protection officer (délégué à la protection des données).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Dpo {
    /// Name or function.
    pub name: Option<String>,
    /// Contact email.
    pub email: String,
}

/// A purpose (finalité): what the data are for, on which basis, how, which data, for whom, how long.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Purpose {
    /// Identifier used in submissions.
    pub id: PurposeId,
    /// The box's label.
    pub label: Localized,
    /// A longer explanation for the second layer.
    pub description: Option<Localized>,
    /// Consent, or the school's soft opt-in.
    pub basis: LegalBasis,
    /// Processing operations, never empty.
    pub operations: Vec<Operation>,
    /// Data categories, never empty.
    pub data: Vec<DataCategory>,
    /// Recipients, never empty.
    pub recipients: Vec<Recipient>,
    /// Retention period.
    pub retention: Retention,
}

/// A form field.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Field {
    /// Identifier, the key in the submission's subject.
    pub id: FieldId,
    /// Input kind.
    pub kind: FieldKind,
    /// Label.
    pub label: Localized,
    /// Whether the service needs it.
    pub required: bool,
    /// For an optional field, what leaving it out changes.
    pub if_omitted: Option<Localized>,
    /// For a year, the smallest accepted value.
    pub min: Option<i32>,
    /// For a year, the largest accepted value.
    pub max: Option<i32>,
    /// Longest accepted text, in characters.
    pub max_length: u32,
    /// The data category it collects; the five default fields say theirs, a field of one's own should.
    pub data: Option<DataCategory>,
}

/// A call to action and the purposes its form offers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Cta {
    /// Identifier, as in `data-cta="join"`.
    pub id: CtaId,
    /// The button's text.
    pub label: Localized,
    /// The purposes offered, one unchecked box each, never empty.
    pub purposes: Vec<PurposeId>,
    /// When the CTA is for a service (an event, an interview), what it is: the boxes are then all optional.
    /// Without a service, the form is only useful with at least one box ticked.
    pub service: Option<Localized>,
    /// With a service, the fields the service needs (`email` always is); `None` when the file does not say.
    pub needs: Option<Vec<FieldId>>,
}

/// Settings of the privacy notice.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NoticeSettings {
    /// Where the second layer is published.
    pub privacy_url: String,
    /// Where the data are hosted.
    pub hosting: Localized,
    /// The supervisory authority for complaints.
    pub complaint_authority: String,
    /// Transfers outside the EU, if any.
    pub transfers: Option<Localized>,
}

/// Settings of the collector endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CollectorSettings {
    /// Public base URL of the collector, e.g. `https://consent.example.org`.
    pub endpoint: Option<String>,
    /// Origins allowed to submit (CORS allowlist), e.g. `https://www.ecole.fr`.
    pub allowed_origins: Vec<String>,
    /// Days a pending record waits for its confirmation before it expires.
    pub confirm_within_days: u32,
    /// The sender of this site's emails, when it is not the controller's address.
    pub mail_from: Option<String>,
    /// This site's own SMTP relay (`smtp://host:port?tls=required`, `smtps://…`), without credentials.
    pub smtp: Option<String>,
}

impl Config {
    /// Parses and validates `consent.toml`; `file` is the name used in diagnostics.
    pub fn from_toml_str(src: &str, file: &str) -> Result<Config, ConfigError> {
        validate::parse(src, file)
    }

    /// The site identifier.
    pub fn site(&self) -> &SiteId {
        &self.site
    }
    /// The first locale of every screen.
    pub fn default_locale(&self) -> Locale {
        self.default_locale
    }
    /// The site's time zone, in which dates are written for people (`time_zone`, default Europe/Paris).
    pub fn time_zone(&self) -> &Zone {
        &self.time_zone
    }
    /// The controller.
    pub fn controller(&self) -> &Controller {
        &self.controller
    }
    /// The DPO, if one is designated.
    pub fn dpo(&self) -> Option<&Dpo> {
        self.dpo.as_ref()
    }
    /// Every purpose, in file order.
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// One purpose by id.
    pub fn purpose(&self, id: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.id.as_str() == id)
    }
    /// The form's fields, in display order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    /// Every CTA.
    pub fn ctas(&self) -> &[Cta] {
        &self.ctas
    }
    /// One CTA by id.
    pub fn cta(&self, id: &str) -> Option<&Cta> {
        self.ctas.iter().find(|c| c.id.as_str() == id)
    }
    /// Notice settings.
    pub fn notice(&self) -> &NoticeSettings {
        &self.notice
    }
    /// Collector settings.
    pub fn collector(&self) -> &CollectorSettings {
        &self.collector
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
