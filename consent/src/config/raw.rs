//! `consent.toml` exactly as written: every key optional so that validation can say what is missing and where.
//!
//! Unknown keys are refused (`deny_unknown_fields`): in particular a purpose has no `default`, so a box can
//! never be pre-ticked.

use super::profile::ProfileKind;
use crate::locale::{Locale, Localized};
use crate::regime::{LegalBasis, Regime};
use crate::vocabulary::{DataCategory, FieldKind, Operation, Recipient, RetentionStart};
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub site: Option<Spanned<String>>,
    pub default_locale: Option<Locale>,
    pub time_zone: Option<Spanned<String>>,
    pub controller: Option<Spanned<RawController>>,
    pub dpo: Option<Spanned<RawDpo>>,
    #[serde(default)]
    pub purposes: Vec<Spanned<RawPurpose>>,
    #[serde(default)]
    pub fields: Vec<Spanned<RawField>>,
    #[serde(default)]
    pub ctas: Vec<Spanned<RawCta>>,
    #[serde(default)]
    pub profile: Vec<Spanned<RawProfileField>>,
    pub notice: Option<Spanned<RawNotice>>,
    pub collector: Option<RawCollector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawController {
    pub regime: Option<Spanned<Regime>>,
    pub name: Option<Spanned<String>>,
    pub address: Option<Spanned<String>>,
    pub email: Option<Spanned<String>>,
    pub phone: Option<String>,
    pub association: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDpo {
    pub name: Option<String>,
    pub email: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPurpose {
    pub id: Option<Spanned<String>>,
    pub label: Option<Spanned<Localized>>,
    pub description: Option<Localized>,
    pub basis: Option<Spanned<LegalBasis>>,
    pub operations: Option<Spanned<Vec<Operation>>>,
    pub data: Option<Spanned<Vec<DataCategory>>>,
    pub recipients: Option<Spanned<Vec<Recipient>>>,
    pub retention: Option<Spanned<RawRetention>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetention {
    pub years: Option<u32>,
    pub months: Option<u32>,
    pub from: Option<RetentionStart>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawField {
    pub id: Option<Spanned<String>>,
    pub kind: Option<FieldKind>,
    pub label: Option<Localized>,
    pub required: Option<bool>,
    pub if_omitted: Option<Localized>,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub max_length: Option<u32>,
    pub data: Option<DataCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProfileField {
    pub id: Option<Spanned<String>>,
    pub kind: Option<Spanned<ProfileKind>>,
    pub label: Option<Spanned<Localized>>,
    pub if_omitted: Option<Spanned<Localized>>,
    pub data: Option<Spanned<DataCategory>>,
    pub choices: Option<Spanned<Vec<Spanned<RawChoice>>>>,
    pub max_length: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChoice {
    pub id: Option<Spanned<String>>,
    pub label: Option<Spanned<Localized>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCta {
    pub id: Option<Spanned<String>>,
    pub label: Option<Spanned<Localized>>,
    pub purposes: Option<Spanned<Vec<Spanned<String>>>>,
    pub service: Option<Localized>,
    pub needs: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotice {
    pub privacy_url: Option<Spanned<String>>,
    pub hosting: Option<Localized>,
    pub complaint_authority: Option<String>,
    pub transfers: Option<Localized>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCollector {
    pub endpoint: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub confirm_within_days: Option<u32>,
    pub mail_from: Option<Spanned<String>>,
    pub smtp: Option<Spanned<String>>,
}
