//! The state of one consent form and its translation into what the form shows. What the alumnus typed and
//! ticked lives in the inputs themselves (so nothing is lost across errors, retries or closing the dialog);
//! this holds the rest — errors, the live region's text, the phase — and writes it into the form's markup.

use crate::dom::{self, find, hide, set_attr, set_text};
use crate::i18n::strings;
use crate::seal::Answers;
use crate::submit::Outcome;
use consent::Locale;
use consent::protocol::{CtaSpec, FieldError, FieldSpec, ProblemType, SubmissionError, check_choices, check_subject};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::Element;

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

/// What the form tells the alumnus: errors, the live region's text and the phase.
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

struct Inner {
    /// The field ids, in the config's order.
    fields: Vec<String>,
    /// The purposes of the CTA, in its order (each has its box, which starts unticked).
    purposes: Vec<String>,
    feedback: RefCell<Feedback>,
    /// The dialog holding the form, once built.
    view: RefCell<Option<Element>>,
    locale: Cell<Locale>,
}

/// One form's state, shared by its handlers (and the tests). Every box starts unticked and only the alumnus
/// ticks it.
#[derive(Clone)]
pub struct FormState(Rc<Inner>);

fn id(prefix: &str, id: &str, suffix: &str) -> String {
    let mut s = String::from(prefix);
    s.push_str(id);
    s.push_str(suffix);
    s
}

impl FormState {
    /// A blank form for `fields` and `cta`: empty fields, every box unticked.
    pub fn new(fields: &[FieldSpec], cta: &CtaSpec) -> FormState {
        FormState(Rc::new(Inner {
            fields: fields.iter().map(|f| f.id.to_string()).collect(),
            purposes: cta.purposes.iter().map(|p| p.to_string()).collect(),
            feedback: RefCell::default(),
            view: RefCell::new(None),
            locale: Cell::new(Locale::Fr),
        }))
    }

    /// Ties the state to the dialog that holds its form, in `locale`, and shows it.
    pub fn attach(&self, dialog: &Element, locale: Locale) {
        *self.0.view.borrow_mut() = Some(dialog.clone());
        self.0.locale.set(locale);
        self.show();
    }

    fn input(&self, selector: &str) -> Option<Element> {
        Some(find(self.0.view.borrow().as_ref()?, selector)?.into())
    }

    /// What the alumnus entered: trimmed values (empty optional fields left out), every purpose shown.
    pub fn answers(&self, fields: &[FieldSpec]) -> Answers {
        let mut subject = BTreeMap::new();
        for field in fields {
            let value = self.input(&id("#f-", field.id.as_str(), "")).map(|i| dom::value(&i)).unwrap_or_default();
            let value = value.trim();
            if !value.is_empty() {
                subject.insert(field.id.to_string(), value.to_owned());
            }
        }
        let ticked = |selector: &str| self.input(selector).is_some_and(|i| dom::checked(&i));
        let mut choices = BTreeMap::new();
        for purpose in &self.0.purposes {
            choices.insert(purpose.clone(), ticked(&id("#p-", purpose, "")));
        }
        Answers { subject, choices, privacy_ack: ticked("#privacy-ack") }
    }

    /// The honeypot's content (humans never see or fill it).
    pub fn honeypot(&self) -> String {
        self.input(&["#", crate::components::consent_form::HONEYPOT_ID].concat())
            .map(|i| dom::value(&i))
            .unwrap_or_default()
    }

    fn update(&self, locale: Locale, change: impl FnOnce(&mut Feedback)) {
        self.0.locale.set(locale);
        change(&mut self.0.feedback.borrow_mut());
        self.show();
    }

    /// Runs the checks the collector runs (`consent::protocol`); shows the errors and returns false if any.
    pub fn validate(&self, fields: &[FieldSpec], cta: &CtaSpec, answers: &Answers, locale: Locale) -> bool {
        let text = strings(locale);
        let field_errors = match check_subject(fields, &answers.subject) {
            Err(SubmissionError::Fields(errors)) => errors,
            _ => Vec::new(),
        };
        // `check_choices` stops at the first problem; ask again without the privacy box to see both.
        let purposes_error =
            matches!(check_choices(cta, &answers.choices, true), Err(SubmissionError::NothingConsented))
                .then_some(text.tick_one);
        let privacy_error = (!answers.privacy_ack).then(|| ProblemType::PrivacyNotAcknowledged.message(locale));
        let ok = field_errors.is_empty() && purposes_error.is_none() && privacy_error.is_none();
        self.update(locale, |f| {
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
        self.update(locale, |f| {
            f.phase = Phase::Editing;
            f.announce = match outcome {
                // The confirmation is shown (and focused, so read out) in its own paragraph: the live region
                // stays empty, or the text would be on screen twice.
                Outcome::Accepted(record) => {
                    f.phase = Phase::Done(record.record_id);
                    String::new()
                }
                Outcome::Refused(kind, errors) => {
                    match kind {
                        ProblemType::InvalidField => f.field_errors = errors,
                        ProblemType::NothingConsented => f.purposes_error = Some(kind.message(locale)),
                        ProblemType::PrivacyNotAcknowledged => f.privacy_error = Some(kind.message(locale)),
                        _ => {}
                    }
                    kind.message(locale).to_owned()
                }
                Outcome::MaybeReceived => text.maybe_received.to_owned(),
                Outcome::Unreachable => text.network_gave_up.to_owned(),
                Outcome::Unexpected => ProblemType::Internal.message(locale).to_owned(),
                Outcome::NoCrypto => text.no_crypto.to_owned(),
            };
        });
    }

    /// The phase.
    pub fn phase(&self) -> Phase {
        self.0.feedback.borrow().phase.clone()
    }

    /// Starts sending: the submit button is disabled and the live region says so.
    pub fn sending(&self, locale: Locale) {
        self.update(locale, |f| {
            f.phase = Phase::Sending;
            f.announce = strings(locale).sending.to_owned();
        });
    }

    /// Says that the network failed and when the next attempt comes.
    pub fn waiting(&self, seconds: u32, locale: Locale) {
        let mut message = String::from(strings(locale).network_retry);
        message.push_str(&seconds.to_string());
        message.push_str(" s.");
        self.update(locale, |f| f.announce = message);
    }

    /// The error code shown under field `id`, if any.
    pub fn error_of(&self, id: &str) -> Option<consent::protocol::FieldErrorCode> {
        self.0.feedback.borrow().field_errors.iter().find(|e| e.field == id).map(|e| e.code)
    }

    /// The selector of the first input in error (fields in the config's order, then the boxes, then the privacy
    /// box), where focus goes so that keyboard and screen-reader users land on it.
    pub fn first_error(&self) -> Option<String> {
        let f = self.0.feedback.borrow();
        self.0
            .fields
            .iter()
            .find(|field| f.field_errors.iter().any(|e| &e.field == *field))
            .map(|field| id("#f-", field, ""))
            .or_else(|| f.purposes_error.and(self.0.purposes.first()).map(|p| id("#p-", p, "")))
            .or_else(|| f.privacy_error.map(|_| "#privacy-ack".to_owned()))
    }

    /// Writes the feedback into the form: `aria-invalid`, `aria-describedby`, error texts, the live region,
    /// which of the form and the confirmation shows, and whether the submit button works.
    fn show(&self) {
        let Some(dialog) = self.0.view.borrow().clone() else { return };
        let f = self.0.feedback.borrow();
        let locale = self.0.locale.get();
        for field in &self.0.fields {
            let error = f.field_errors.iter().find(|e| &e.field == field).map(|e| e.code.message(locale));
            let (Some(input), Some(message)) =
                (find(&dialog, &id("#f-", field, "")), find(&dialog, &id("#f-", field, "-error")))
            else {
                continue;
            };
            let mut described_by = Vec::new();
            let hint_id = id("f-", field, "-hint");
            if find(&dialog, &id("#", &hint_id, "")).is_some() {
                described_by.push(hint_id);
            }
            if error.is_some() {
                described_by.push(id("f-", field, "-error"));
            }
            let described_by = described_by.join(" ");
            set_attr(&input, "aria-invalid", Some(if error.is_some() { "true" } else { "false" }));
            set_attr(&input, "aria-describedby", Some(&described_by).filter(|d| !d.is_empty()).map(|d| d.as_str()));
            hide(&message, error.is_none());
            set_text(&message, error.unwrap_or_default());
        }
        let boxes = [
            ("fieldset.purposes", None, "purposes-error", f.purposes_error),
            ("#privacy-ack", Some("aria-invalid"), "privacy-error", f.privacy_error),
        ];
        for (input, invalid, error_id, error) in boxes {
            if let Some(input) = find(&dialog, input) {
                if let Some(invalid) = invalid {
                    set_attr(&input, invalid, Some(if error.is_some() { "true" } else { "false" }));
                }
                set_attr(&input, "aria-describedby", error.map(|_| error_id));
            }
            if let Some(message) = find(&dialog, &id("#", error_id, "")) {
                hide(&message, error.is_none());
                set_text(&message, error.unwrap_or_default());
            }
        }
        let done = match &f.phase {
            Phase::Done(id) => Some(id.as_str()),
            _ => None,
        };
        if let Some(form) = find(&dialog, "form") {
            hide(&form, done.is_some());
        }
        if let Some(success) = find(&dialog, ".success") {
            hide(&success, done.is_none());
        }
        if let Some(code) = find(&dialog, ".success code") {
            set_text(&code, done.unwrap_or_default());
        }
        if let Some(submit) = find(&dialog, "button.submit") {
            set_attr(&submit, "disabled", (f.phase == Phase::Sending).then_some(""));
        }
        if let Some(live) = find(&dialog, ".success + .live") {
            set_text(&live, &f.announce);
        }
    }
}
