//! The checks on a submission's content that both the widget (before sending) and the collector (before
//! storing) run, so that they can never disagree.

use super::ProblemType;
use super::widget_config::{CtaSpec, FieldSpec};
use crate::locale::Locale;
use crate::vocabulary::FieldKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why one field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    /// A required field is empty.
    Required,
    /// Longer than the field allows.
    TooLong,
    /// Not an email address.
    Email,
    /// Not a year in the accepted range.
    Year,
    /// Holds control characters.
    Control,
    /// The field is not part of the form.
    Unknown,
}

impl FieldErrorCode {
    /// The message shown under the field.
    pub fn message(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (FieldErrorCode::Required, Locale::Fr) => "Ce champ est obligatoire.",
            (FieldErrorCode::Required, Locale::En) => "This field is required.",
            (FieldErrorCode::TooLong, Locale::Fr) => "Ce texte est trop long.",
            (FieldErrorCode::TooLong, Locale::En) => "This text is too long.",
            (FieldErrorCode::Email, Locale::Fr) => {
                "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
            }
            (FieldErrorCode::Email, Locale::En) => "Enter a valid email address, for example first.last@example.org.",
            (FieldErrorCode::Year, Locale::Fr) => "Saisissez une année à quatre chiffres, par exemple 2015.",
            (FieldErrorCode::Year, Locale::En) => "Enter a four-digit year, for example 2015.",
            (FieldErrorCode::Control, Locale::Fr) => "Ce texte contient des caractères non autorisés.",
            (FieldErrorCode::Control, Locale::En) => "This text contains characters that are not allowed.",
            (FieldErrorCode::Unknown, Locale::Fr) => "Ce champ ne fait pas partie du formulaire.",
            (FieldErrorCode::Unknown, Locale::En) => "This field is not part of the form.",
        }
    }
}

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field id.
    pub field: String,
    /// Why.
    pub code: FieldErrorCode,
}

/// Why a submission's content was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    /// Some fields are invalid.
    #[error("invalid fields: {0:?}")]
    Fields(Vec<FieldError>),
    /// A purpose of the CTA has no answer.
    #[error("purpose `{0}` has no answer")]
    MissingChoice(String),
    /// A choice names a purpose the CTA does not offer.
    #[error("purpose `{0}` is not offered by this CTA")]
    UnknownPurpose(String),
    /// A CTA without a service was sent with nothing ticked.
    #[error("nothing was consented to")]
    NothingConsented,
    /// The privacy box was not ticked.
    #[error("the privacy policy was not acknowledged")]
    PrivacyNotAcknowledged,
    /// `page_url` or `submitted_at` is not what a browser sends.
    #[error("{0}")]
    Context(&'static str),
}

impl SubmissionError {
    /// The problem type the collector answers with.
    pub fn problem(&self) -> ProblemType {
        match self {
            SubmissionError::Fields(_) => ProblemType::InvalidField,
            SubmissionError::MissingChoice(_) => ProblemType::MissingChoice,
            SubmissionError::UnknownPurpose(_) => ProblemType::UnknownPurpose,
            SubmissionError::NothingConsented => ProblemType::NothingConsented,
            SubmissionError::PrivacyNotAcknowledged => ProblemType::PrivacyNotAcknowledged,
            SubmissionError::Context(_) => ProblemType::Malformed,
        }
    }
}

/// Whether `s` looks like an email address: one `@`, a dot in the domain, no spaces, at most 254 bytes.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.chars().all(|c| !c.is_whitespace() && !is_hidden(c) && c != '<' && c != '>' && c != ',')
}

/// Characters that change how text displays without being seen: controls, bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark. A name with U+202E reads backwards in an export; an
/// email with U+200B would make a second subject of the same person.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Checks what the browser adds to the alumnus' answers: the page address (an `http(s)` URL of at most 2,048
/// characters) and the submission time (an RFC 3339 timestamp as `Date.toISOString()` writes it).
pub fn check_context(page_url: &str, submitted_at: &str) -> Result<(), SubmissionError> {
    let url_ok = (page_url.starts_with("https://") || page_url.starts_with("http://"))
        && page_url.len() <= 2048
        && !page_url.chars().any(|c| is_hidden(c) || c.is_whitespace());
    if !url_ok {
        return Err(SubmissionError::Context("page_url is not an http(s) URL of at most 2048 characters"));
    }
    let time_ok = (20..=35).contains(&submitted_at.len())
        && submitted_at.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && submitted_at.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b':' | b'.' | b'T' | b'Z' | b'+'));
    if !time_ok {
        return Err(SubmissionError::Context("submitted_at is not an RFC 3339 timestamp"));
    }
    Ok(())
}

fn check_value(field: &FieldSpec, value: &str) -> Option<FieldErrorCode> {
    let value = value.trim();
    if value.is_empty() {
        return field.required.then_some(FieldErrorCode::Required);
    }
    if value.chars().any(is_hidden) {
        return Some(FieldErrorCode::Control);
    }
    if value.chars().count() > field.max_length as usize {
        return Some(FieldErrorCode::TooLong);
    }
    match field.kind {
        FieldKind::Text => None,
        FieldKind::Email => (!is_plausible_email(value)).then_some(FieldErrorCode::Email),
        FieldKind::Year => {
            let ok = value.len() == 4
                && value.bytes().all(|b| b.is_ascii_digit())
                && value
                    .parse::<i32>()
                    .is_ok_and(|y| field.min.is_none_or(|min| y >= min) && field.max.is_none_or(|max| y <= max));
            (!ok).then_some(FieldErrorCode::Year)
        }
    }
}

/// Checks the subject's fields against the form: required ones present, each value well formed, no extra key.
pub fn check_subject(fields: &[FieldSpec], subject: &BTreeMap<String, String>) -> Result<(), SubmissionError> {
    let mut errors: Vec<FieldError> = fields
        .iter()
        .filter_map(|f| {
            let value = subject.get(f.id.as_str()).map_or("", String::as_str);
            check_value(f, value).map(|code| FieldError { field: f.id.to_string(), code })
        })
        .collect();
    for key in subject.keys() {
        if !fields.iter().any(|f| f.id.as_str() == key) {
            errors.push(FieldError { field: key.chars().take(64).collect(), code: FieldErrorCode::Unknown });
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(SubmissionError::Fields(errors)) }
}

/// Checks the choices against the CTA: every purpose shown answered, nothing else, something ticked unless the
/// CTA is for a service, and the privacy box ticked.
pub fn check_choices(
    cta: &CtaSpec,
    choices: &BTreeMap<String, bool>,
    privacy_ack: bool,
) -> Result<(), SubmissionError> {
    if let Some(unknown) = choices.keys().find(|k| !cta.purposes.iter().any(|p| p.as_str() == k.as_str())) {
        return Err(SubmissionError::UnknownPurpose(unknown.chars().take(64).collect()));
    }
    if let Some(missing) = cta.purposes.iter().find(|p| !choices.contains_key(p.as_str())) {
        return Err(SubmissionError::MissingChoice(missing.to_string()));
    }
    if cta.service.is_none() && !choices.values().any(|&ticked| ticked) {
        return Err(SubmissionError::NothingConsented);
    }
    if !privacy_ack {
        return Err(SubmissionError::PrivacyNotAcknowledged);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.fr", "marie.curie@example.org", "x+tag@sub.domain.eu"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in
            ["", "a", "a@b", "@b.fr", "a@.fr", "a@b.", "a b@c.fr", "a@b@c.fr", "<a@b.fr>", "a@b..fr", "a\u{200b}@b.fr"]
        {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn hidden_characters_are_refused_in_fields() {
        let field = FieldSpec {
            id: "first_name".into(),
            kind: FieldKind::Text,
            label: crate::Localized::new("Prénom", "First name"),
            required: true,
            if_omitted: None,
            min: None,
            max: None,
            max_length: 120,
        };
        for bad in ["Ma\u{202e}rie", "Ma\u{200b}rie", "\u{feff}Marie", "Ma\u{0}rie"] {
            assert_eq!(check_value(&field, bad), Some(FieldErrorCode::Control), "{bad:?}");
        }
        assert_eq!(check_value(&field, "Marie-Hélène Ørsted 李"), None);
    }

    #[test]
    fn context_is_what_a_browser_sends() {
        assert!(check_context("https://www.ecole.fr/portrait/", "2026-11-29T08:00:00.000Z").is_ok());
        for (url, at) in [
            ("javascript:alert(1)", "2026-11-29T08:00:00.000Z"),
            (&"https://x.fr/".repeat(200), "2026-11-29T08:00:00.000Z"),
            ("https://x.fr/\u{202e}", "2026-11-29T08:00:00.000Z"),
            ("https://x.fr/", &"2".repeat(5000)),
            ("https://x.fr/", "hier"),
        ] {
            assert!(check_context(url, at).is_err(), "{url:.40} {at:.40}");
        }
    }
}
