//! What the widget needs to render a form: the answer to `GET /v1/sites/{site}/config`, also written as a
//! static file by `site-kit build`.

use crate::ids::{CtaId, FieldId, PurposeId, SiteId};
use crate::locale::{Locale, Localized};
use crate::vocabulary::FieldKind;
use serde::{Deserialize, Serialize};

/// The widget configuration of one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfig {
    /// Protocol version, 1.
    pub v: u32,
    /// The site.
    pub site: SiteId,
    /// The locale used when the page says nothing.
    pub default_locale: Locale,
    /// The controller's name, for the first layer.
    pub controller: String,
    /// The second layer's address.
    pub privacy_url: String,
    /// The notice version the form shows; submissions must carry it.
    pub notice_version: String,
    /// The first-layer notice, per locale.
    pub first_layer: Localized,
    /// The form's fields.
    pub fields: Vec<FieldSpec>,
    /// Every purpose a CTA may offer.
    pub purposes: Vec<PurposeSpec>,
    /// The CTAs.
    pub ctas: Vec<CtaSpec>,
    /// The collector's base URL, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The collector's Ed25519 receipt key, base64url, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_key: Option<String>,
}

/// A field as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Field id.
    pub id: FieldId,
    /// Input kind.
    pub kind: FieldKind,
    /// Label.
    pub label: Localized,
    /// Whether it must be filled.
    pub required: bool,
    /// What leaving it empty changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_omitted: Option<Localized>,
    /// Smallest year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i32>,
    /// Largest year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i32>,
    /// Longest text.
    pub max_length: u32,
}

/// A purpose as the widget shows it: one unchecked box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeSpec {
    /// Purpose id.
    pub id: PurposeId,
    /// The box's label.
    pub label: Localized,
    /// A short explanation under the box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Localized>,
}

/// A CTA as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtaSpec {
    /// CTA id.
    pub id: CtaId,
    /// Button text.
    pub label: Localized,
    /// Purposes offered, in order.
    pub purposes: Vec<PurposeId>,
    /// The service the CTA is for, if any (then no box is required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Localized>,
}

impl WidgetConfig {
    /// One CTA by id.
    pub fn cta(&self, id: &str) -> Option<&CtaSpec> {
        self.ctas.iter().find(|c| c.id.as_str() == id)
    }

    /// One purpose by id.
    pub fn purpose(&self, id: &str) -> Option<&PurposeSpec> {
        self.purposes.iter().find(|p| p.id.as_str() == id)
    }
}

#[cfg(feature = "config")]
impl WidgetConfig {
    /// The widget configuration of a validated config and its rendered notice.
    pub fn from_config(config: &crate::Config, notice: &crate::Notice) -> WidgetConfig {
        WidgetConfig {
            v: super::PROTOCOL_VERSION,
            site: config.site().clone(),
            default_locale: config.default_locale(),
            controller: config.controller().name.clone(),
            privacy_url: config.notice().privacy_url.clone(),
            notice_version: notice.version().to_string(),
            first_layer: notice.first_layer_all(),
            fields: config
                .fields()
                .iter()
                .map(|f| FieldSpec {
                    id: f.id.clone(),
                    kind: f.kind,
                    label: f.label.clone(),
                    required: f.required,
                    if_omitted: f.if_omitted.clone(),
                    min: f.min,
                    max: f.max,
                    max_length: f.max_length,
                })
                .collect(),
            purposes: config
                .purposes()
                .iter()
                .filter(|p| p.basis == crate::LegalBasis::OptIn)
                .map(|p| PurposeSpec { id: p.id.clone(), label: p.label.clone(), description: p.description.clone() })
                .collect(),
            ctas: config
                .ctas()
                .iter()
                .map(|c| CtaSpec {
                    id: c.id.clone(),
                    label: c.label.clone(),
                    purposes: c.purposes.clone(),
                    service: c.service.clone(),
                })
                .collect(),
            endpoint: config.collector().endpoint.clone(),
            receipt_key: None,
        }
    }
}
