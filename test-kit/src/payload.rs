//! A valid submission to the association example, as the widget would make it: one alumnus' five fields, their
//! choices, the notice version and challenge the collector gave.

use consent::Locale;
use consent::protocol::{Jwk, SubmissionPayload, WidgetConfig};
use std::collections::BTreeMap;

/// The association example's site id.
pub const SITE: &str = "association-exemple";
/// An origin on its allowlist.
pub const ORIGIN: &str = "http://127.0.0.1:8080";

/// Who submits, and what they tick (fields public: tests change what they need with struct update syntax).
#[derive(Debug, Clone)]
pub struct Alumnus {
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Graduation year.
    pub promo: String,
    /// Programme.
    pub programme: String,
    /// The CTA.
    pub cta: String,
    /// The article the form was on.
    pub page_url: String,
    /// The answer per purpose.
    pub choices: BTreeMap<String, bool>,
}

impl Alumnus {
    /// Marie Curie, promo 2012, at this address, joining from a portrait: community and events yes, jobs no.
    pub fn new(email: &str) -> Alumnus {
        Alumnus {
            email: email.to_owned(),
            first_name: "Marie".into(),
            last_name: "Curie".into(),
            promo: "2012".into(),
            programme: "Ingénieur généraliste".into(),
            cta: "join".into(),
            page_url: "http://127.0.0.1:8080/portrait/".into(),
            choices: BTreeMap::from([("community".into(), true), ("jobs".into(), false), ("events".into(), true)]),
        }
    }

    /// Alumna number `n` (`alumna.{n}@example.org`).
    pub fn numbered(n: u64) -> Alumnus {
        Alumnus::new(&format!("alumna.{n}@example.org"))
    }

    /// The submission of this alumnus from the device of public key `device_key` (a [`crate::Device`]'s `jwk`),
    /// under the config's notice, with this challenge token.
    pub fn submission(&self, config: &WidgetConfig, challenge: String, device_key: &Jwk) -> SubmissionPayload {
        SubmissionPayload {
            v: 1,
            site: config.site.clone(),
            cta: self.cta.as_str().into(),
            page_url: self.page_url.clone(),
            locale: Locale::Fr,
            notice_version: config.notice_version.clone(),
            challenge,
            subject: BTreeMap::from([
                ("last_name".into(), self.last_name.clone()),
                ("first_name".into(), self.first_name.clone()),
                ("promo".into(), self.promo.clone()),
                ("programme".into(), self.programme.clone()),
                ("email".into(), self.email.clone()),
            ]),
            choices: self.choices.clone(),
            privacy_ack: true,
            submitted_at: "2026-11-29T08:00:00.000Z".into(),
            device_key: device_key.clone(),
        }
    }
}
