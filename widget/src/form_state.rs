//! The state of one consent form, kept across errors and retries so that nothing typed is lost, and the
//! translation of checks and outcomes into what the form shows.

use crate::i18n::strings;
use crate::seal::Answers;
use crate::submit::Outcome;
use consent::Locale;
use consent::protocol::{CtaSpec, FieldError, FieldSpec, SubmissionError, check_choices, check_subject};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Where the form is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Phase {
    /// Being filled in (also after an error).
    #[default]
    Editing,
    /// Being signed and sent; the submit button is disabled.
    Sending,
    /// Stored: the record id to show.
    Done(String),
}

/// What the form tells the alumnus: errors, the live region's text and the phase. One signal holds it all (one
/// signal type instead of five in the bundle, and an outcome shows in one update).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Feedback {
    /// Errors tied to fields.
    pub field_errors: Vec<FieldError>,
    /// An error tied to the purpose boxes.
    pub purposes_error: Option<&'static str>,
    /// An error tied to the privacy box.
    pub privacy_error: Option<&'static str>,
    /// The text of the live region (errors, retries, success).
    pub announce: String,
    /// The phase.
    pub phase: Phase,
}

/// Signals behind one form. Every box starts unticked and only the alumnus ticks it.
#[derive(Clone)]
pub struct FormState {
    /// One value per field, in the config's order.
    pub values: Vec<RwSignal<String>>,
    /// One box per purpose of the CTA, in the CTA's order.
    pub boxes: Vec<(String, RwSignal<bool>)>,
    /// « J'ai lu la politique de confidentialité ».
    pub privacy_ack: RwSignal<bool>,
    /// The honeypot input (humans never see or fill it).
    pub honeypot: RwSignal<String>,
    /// Errors, live region and phase.
    pub feedback: RwSignal<Feedback>,
}

impl FormState {
    /// A blank form for `fields` and `cta`: empty fields, every box unticked.
    pub fn new(fields: &[FieldSpec], cta: &CtaSpec) -> FormState {
        FormState {
            values: fields.iter().map(|_| RwSignal::new(String::new())).collect(),
            boxes: cta.purposes.iter().map(|p| (p.to_string(), RwSignal::new(false))).collect(),
            privacy_ack: RwSignal::new(false),
            honeypot: RwSignal::new(String::new()),
            feedback: RwSignal::new(Feedback::default()),
        }
    }

    /// What the alumnus entered: trimmed values (empty optional fields left out), every purpose shown.
    pub fn answers(&self, fields: &[FieldSpec]) -> Answers {
        let subject = fields
            .iter()
            .zip(&self.values)
            .filter_map(|(f, v)| {
                let value = v.get_untracked().trim().to_owned();
                (!value.is_empty()).then(|| (f.id.to_string(), value))
            })
            .collect();
        let choices: BTreeMap<String, bool> =
            self.boxes.iter().map(|(id, b)| (id.clone(), b.get_untracked())).collect();
        Answers { subject, choices, privacy_ack: self.privacy_ack.get_untracked() }
    }

    /// Runs the checks the collector runs (`consent::protocol`); shows the errors and returns false if any.
    pub fn validate(&self, fields: &[FieldSpec], cta: &CtaSpec, answers: &Answers, locale: Locale) -> bool {
        let text = strings(locale);
        let field_errors = match check_subject(fields, &answers.subject) {
            Err(SubmissionError::Fields(errors)) => errors,
            _ => Vec::new(),
        };
        let mut purposes_error = None;
        let mut privacy_error = None;
        // `check_choices` stops at the first problem; ask again without the privacy box to see both.
        if let Err(SubmissionError::NothingConsented) = check_choices(cta, &answers.choices, true) {
            purposes_error = Some(text.tick_one);
        }
        if !answers.privacy_ack {
            privacy_error = Some(consent::protocol::ProblemType::PrivacyNotAcknowledged.message(locale));
        }
        let ok = field_errors.is_empty() && purposes_error.is_none() && privacy_error.is_none();
        self.feedback.update(|f| {
            f.field_errors = field_errors;
            f.purposes_error = purposes_error;
            f.privacy_error = privacy_error;
            f.announce = if ok { String::new() } else { text.fix_errors.to_owned() };
        });
        ok
    }

    /// Shows how a submission ended. The values and boxes are left exactly as the alumnus left them.
    pub fn apply(&self, outcome: Outcome, locale: Locale) {
        let text = strings(locale);
        self.feedback.update(|f| {
            f.phase = Phase::Editing;
            f.announce = match outcome {
                Outcome::Accepted(record) => {
                    let mut message = String::from(text.check_mailbox);
                    message.push(' ');
                    message.push_str(text.record_id);
                    message.push_str(&record.record_id);
                    f.phase = Phase::Done(record.record_id);
                    message
                }
                Outcome::Refused(kind, errors) => {
                    use consent::protocol::ProblemType as P;
                    match kind {
                        P::InvalidField => f.field_errors = errors,
                        P::NothingConsented => f.purposes_error = Some(kind.message(locale)),
                        P::PrivacyNotAcknowledged => f.privacy_error = Some(kind.message(locale)),
                        _ => {}
                    }
                    kind.message(locale).to_owned()
                }
                Outcome::MaybeReceived => text.maybe_received.to_owned(),
                Outcome::Unreachable => text.network_gave_up.to_owned(),
                Outcome::Unexpected => consent::protocol::ProblemType::Internal.message(locale).to_owned(),
                Outcome::NoCrypto => text.no_crypto.to_owned(),
            };
        });
    }

    /// The phase, untracked.
    pub fn phase(&self) -> Phase {
        self.feedback.with_untracked(|f| f.phase.clone())
    }

    /// Starts sending: the submit button is disabled and the live region says so.
    pub fn sending(&self, locale: Locale) {
        self.feedback.update(|f| {
            f.phase = Phase::Sending;
            f.announce = strings(locale).sending.to_owned();
        });
    }

    /// Says that the network failed and when the next attempt comes.
    pub fn waiting(&self, seconds: u32, locale: Locale) {
        let mut message = String::from(strings(locale).network_retry);
        message.push_str(&seconds.to_string());
        message.push_str(" s.");
        self.feedback.update(|f| f.announce = message);
    }

    /// The error code shown under field `id`, if any.
    pub fn error_of(&self, id: &str) -> Option<consent::protocol::FieldErrorCode> {
        self.feedback.with(|f| f.field_errors.iter().find(|e| e.field == id).map(|e| e.code))
    }
}
