//! RFC 9457 problem details: one stable `type` per cause, with French and English texts.

use super::FieldError;
use crate::locale::Locale;
use serde::{Deserialize, Serialize};

/// The prefix of every problem `type` URI.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:alumni-consent:problem:";

macro_rules! problems {
    ($($variant:ident = $slug:literal, $status:literal, $fr:literal, $en:literal;)*) => {
        /// Every cause of refusal. The `type` URI is `urn:alumni-consent:problem:{slug}`, stable forever.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum ProblemType { $($variant,)* }

        impl ProblemType {
            /// Every problem type.
            pub const ALL: &'static [ProblemType] = &[$(ProblemType::$variant,)*];

            /// The short stable name, e.g. `stale-notice`.
            pub fn slug(self) -> &'static str {
                match self { $(ProblemType::$variant => $slug,)* }
            }

            /// The HTTP status that carries it.
            pub fn status(self) -> u16 {
                match self { $(ProblemType::$variant => $status,)* }
            }

            /// A sentence for the alumnus, in `locale`.
            pub fn message(self, locale: Locale) -> &'static str {
                match (self, locale) {
                    $((ProblemType::$variant, Locale::Fr) => $fr,
                      (ProblemType::$variant, Locale::En) => $en,)*
                }
            }
        }
    };
}

problems! {
    Malformed = "malformed", 400,
        "La demande est illisible. Rechargez la page et réessayez.",
        "The request could not be read. Reload the page and try again.";
    UnsupportedVersion = "unsupported-version", 400,
        "Ce formulaire est trop ancien. Rechargez la page.",
        "This form is outdated. Reload the page.";
    TooLarge = "too-large", 413,
        "La demande est trop volumineuse.",
        "The request is too large.";
    UnknownSite = "unknown-site", 404,
        "Ce site n'est pas configuré pour recueillir des consentements.",
        "This site is not set up to collect consent.";
    UnknownCta = "unknown-cta", 422,
        "Ce formulaire n'existe pas ou plus.",
        "This form does not exist (any more).";
    OriginNotAllowed = "origin-not-allowed", 403,
        "Ce formulaire n'est pas autorisé sur cette page.",
        "This form is not allowed on this page.";
    MissingChoice = "missing-choice", 422,
        "Une finalité affichée n'a pas reçu de réponse. Rechargez la page.",
        "A purpose shown received no answer. Reload the page.";
    UnknownPurpose = "unknown-purpose", 422,
        "Une finalité inconnue a été envoyée. Rechargez la page.",
        "An unknown purpose was sent. Reload the page.";
    NothingConsented = "nothing-consented", 422,
        "Vous n'avez coché aucune case\u{a0}: rien n'a été enregistré. Cochez au moins une finalité pour rejoindre la communauté.",
        "You ticked no box: nothing was recorded. Tick at least one purpose to join the community.";
    PrivacyNotAcknowledged = "privacy-not-acknowledged", 422,
        "Merci de confirmer avoir lu la politique de confidentialité.",
        "Please confirm that you have read the privacy policy.";
    ChallengeExpired = "challenge-expired", 401,
        "Le formulaire est resté ouvert trop longtemps. Réessayez\u{a0}: vos réponses sont conservées.",
        "The form stayed open too long. Try again: your answers are kept.";
    ChallengeInvalid = "challenge-invalid", 401,
        "Le jeton de sécurité du formulaire est invalide. Rechargez la page.",
        "The form's security token is invalid. Reload the page.";
    ChallengeReused = "challenge-reused", 409,
        "Cette demande a déjà été reçue.",
        "This request has already been received.";
    StaleNotice = "stale-notice", 409,
        "La politique de confidentialité a changé depuis l'ouverture du formulaire. Relisez-la et renvoyez le formulaire.",
        "The privacy policy changed since the form was opened. Read it again and resubmit.";
    BadSignature = "bad-signature", 401,
        "La signature de votre navigateur n'a pas pu être vérifiée.",
        "Your browser's signature could not be verified.";
    InvalidField = "invalid-field", 422,
        "Certains champs sont à corriger.",
        "Some fields need correcting.";
    Honeypot = "honeypot", 400,
        "La demande a été refusée comme automatique.",
        "The request was refused as automated.";
    RateLimited = "rate-limited", 429,
        "Trop de demandes. Patientez une minute puis réessayez.",
        "Too many requests. Wait a minute and try again.";
    UnknownRecord = "unknown-record", 404,
        "Aucun consentement correspondant n'a été trouvé.",
        "No matching consent was found.";
    DeviceMismatch = "device-mismatch", 403,
        "Ce consentement a été donné depuis un autre navigateur. Utilisez le lien reçu par courriel.",
        "This consent was given from another browser. Use the link you received by email.";
    InvalidLink = "invalid-link", 401,
        "Ce lien est invalide ou a expiré. Demandez-en un nouveau.",
        "This link is invalid or has expired. Ask for a new one.";
    Busy = "busy", 503,
        "Le service est très sollicité en ce moment. Réessayez dans quelques secondes.",
        "The service is very busy right now. Try again in a few seconds.";
    Internal = "internal", 500,
        "Une erreur est survenue de notre côté. Vos réponses sont conservées\u{a0}; réessayez dans un instant.",
        "Something went wrong on our side. Your answers are kept; try again in a moment.";
}

impl ProblemType {
    /// The `type` URI.
    pub fn uri(self) -> String {
        format!("{PROBLEM_TYPE_PREFIX}{}", self.slug())
    }

    /// The problem type named by a `type` URI, if it is one of ours.
    pub fn from_uri(uri: &str) -> Option<ProblemType> {
        let slug = uri.strip_prefix(PROBLEM_TYPE_PREFIX)?;
        ProblemType::ALL.iter().copied().find(|p| p.slug() == slug)
    }

    /// The short title (the English message's first sentence is too long for a title; the slug is stable).
    pub fn title(self, locale: Locale) -> &'static str {
        self.message(locale)
    }
}

/// An `application/problem+json` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `urn:alumni-consent:problem:{slug}`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short human-readable summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this occurrence, in the requested language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field errors, for `invalid-field`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem of `kind`, worded in `locale`.
    pub fn new(kind: ProblemType, locale: Locale) -> Problem {
        Problem {
            type_uri: kind.uri(),
            title: kind.slug().to_owned(),
            status: kind.status(),
            detail: Some(kind.message(locale).to_owned()),
            errors: Vec::new(),
        }
    }

    /// Adds a more specific detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    /// The known problem type, if the `type` is one of ours.
    pub fn kind(&self) -> Option<ProblemType> {
        ProblemType::from_uri(&self.type_uri)
    }
}
