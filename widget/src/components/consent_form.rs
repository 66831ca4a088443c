//! The consent form of one CTA: the fields, one unticked box per purpose of the CTA, the privacy box, the
//! first-layer notice, the live region, and the signed submission.

use crate::components::first_layer::first_layer;
use crate::components::privacy_ack::privacy_ack;
use crate::components::purpose_box::purpose_box;
use crate::components::text_field::text_field;
use crate::dom::{self, append, el, on, text_el};
use crate::form_state::{FormState, Phase};
use crate::i18n::strings;
use crate::records::StoredRecord;
use crate::seal::Context;
use crate::submit::{Outcome, submit};
use consent::protocol::{CtaSpec, WidgetConfig};
use leptos::prelude::*;
use std::rc::Rc;
use std::sync::Arc;
use web_sys::Element;

/// What the form's submission needs (the CTA is `context.cta` of `config`).
pub struct Form {
    /// The site's config.
    pub config: Arc<WidgetConfig>,
    /// Site, CTA, page, locale, notice version.
    pub context: Context,
    /// The collector.
    pub endpoint: String,
    /// The form's state.
    pub state: FormState,
    /// Where a new record goes (shared with the returning view).
    pub record: RwSignal<Option<StoredRecord>>,
}

/// The honeypot input's id and name.
pub const HONEYPOT_ID: &str = "ac-trap";

/// Signs and sends the answers, unless they need correcting or a submission is on its way.
fn on_submit(form: &Rc<Form>, dialog: &Element) {
    let (state, locale) = (&form.state, form.context.locale);
    let Some(cta) = form.config.cta(&form.context.cta) else { return };
    if state.phase() == Phase::Sending {
        return;
    }
    let answers = state.answers(&form.config.fields);
    if !state.validate(&form.config.fields, cta, &answers, locale) {
        if let Some(selector) = state.first_error() {
            dom::focus(dialog, &selector);
        }
        return;
    }
    state.sending(locale);
    let honeypot = Some(state.honeypot());
    let (form, dialog) = (form.clone(), dialog.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let state = &form.state;
        let waiting = |seconds| state.waiting(seconds, locale);
        let outcome = submit(&form.endpoint, &form.context, answers, honeypot, waiting).await;
        let accepted = if let Outcome::Accepted(stored) = &outcome {
            form.record.set(Some(stored.clone()));
            true
        } else {
            false
        };
        state.apply(outcome, locale);
        if accepted {
            // The form is hidden now; focus the confirmation, so it is read out.
            dom::focus(&dialog, ".success-title");
        }
    });
}

/// Builds the form of `cta` into `dialog`.
pub fn consent_form(dialog: &Element, cta: &CtaSpec, form: Form) {
    let locale = form.context.locale;
    let text = strings(locale);
    let config = &form.config;
    let element = el("form", &[("novalidate", "")]);
    for spec in &config.fields {
        append(&element, &[&text_field(spec, locale)]);
    }
    let purposes = el("fieldset", &[("class", "purposes")]);
    append(&purposes, &[&text_el("legend", &[], text.purposes_legend)]);
    if cta.service.is_some() {
        append(&purposes, &[&text_el("p", &[("class", "hint")], text.purposes_optional)]);
    }
    for purpose in cta.purposes.iter().filter_map(|id| config.purpose(id.as_str())) {
        append(&purposes, &[&purpose_box(purpose, locale)]);
    }
    append(&purposes, &[&el("p", &[("class", "error"), ("id", "purposes-error"), ("hidden", "")])]);
    // The honeypot: bots fill every text input, people never see this one. Browsers' autofill ignores
    // `autocomplete=off` and picks fields by the words of their name, id and label, so the trap has none of those
    // words and an autocomplete token that names no autofill field (Chromium then never fills it): a person whose
    // browser autofills the form is not taken for a bot.
    let honeypot = el("div", &[("class", "hp"), ("aria-hidden", "true")]);
    append(
        &honeypot,
        &[
            &text_el("label", &[("for", HONEYPOT_ID)], "Ne pas remplir / Leave empty"),
            &el(
                "input",
                &[
                    ("id", HONEYPOT_ID),
                    ("name", HONEYPOT_ID),
                    ("type", "text"),
                    ("tabindex", "-1"),
                    ("autocomplete", "ac-trap"),
                ],
            ),
        ],
    );
    append(
        &element,
        &[
            &purposes,
            &privacy_ack(&config.privacy_url, locale),
            &first_layer(config.first_layer.get(locale), &config.privacy_url, locale),
            &honeypot,
            &text_el("button", &[("type", "submit"), ("class", "submit")], text.submit),
        ],
    );
    let success = el("div", &[("class", "success"), ("hidden", "")]);
    let record_id = text_el("p", &[], text.record_id);
    append(&record_id, &[&el("code", &[])]);
    append(
        &success,
        &[&text_el("p", &[("class", "success-title"), ("tabindex", "-1")], text.check_mailbox), &record_id],
    );
    let live = el("p", &[("class", "live"), ("role", "status"), ("aria-live", "polite")]);
    append(dialog, &[&element, &success, &live]);
    form.state.attach(dialog, locale);
    let (form, d) = (Rc::new(form), dialog.clone());
    on(
        &element,
        "submit",
        Box::new(move |event| {
            event.prevent_default();
            on_submit(&form, &d);
        }),
    );
}
