//! The consent form of one CTA: the fields, one unticked box per purpose of the CTA, the privacy box, the
//! first-layer notice, the live region, and the signed submission.

use crate::components::first_layer::FirstLayer;
use crate::components::privacy_ack::PrivacyAck;
use crate::components::purpose_box::PurposeBox;
use crate::components::text_field::TextField;
use crate::form_state::{FormState, Phase};
use crate::i18n::strings;
use crate::records::StoredRecord;
use crate::seal::Context;
use crate::submit::{Outcome, submit};
use consent::protocol::{CtaSpec, WidgetConfig};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// Moves focus to the first field in error, so that keyboard and screen-reader users land on it.
fn focus_first_error(form: NodeRef<html::Form>, state: &FormState, config: &WidgetConfig, cta: &CtaSpec) {
    let Some(form) = form.get() else { return };
    let selector = state.feedback.with_untracked(|f| {
        config
            .fields
            .iter()
            .find(|spec| f.field_errors.iter().any(|e| e.field == spec.id.as_str()))
            .map(|spec| format!("#f-{}", spec.id))
            .or_else(|| f.purposes_error.and(cta.purposes.first()).map(|p| format!("#p-{p}")))
            .or_else(|| f.privacy_error.map(|_| "#privacy-ack".to_owned()))
    });
    let element = selector.and_then(|s| form.query_selector(&s).ok().flatten());
    if let Some(Ok(element)) = element.map(|e| e.dyn_into::<web_sys::HtmlElement>()) {
        let _ = element.focus();
    }
}

fn focus_success(form: NodeRef<html::Form>) {
    let title = form
        .get()
        .and_then(|f| f.parent_node())
        .and_then(|p| p.dyn_into::<web_sys::Element>().ok()?.query_selector(".success-title").ok().flatten());
    if let Some(title) = title.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = title.focus();
    }
}

/// The form of `cta`; on success the new record is put in `record`.
#[component]
pub fn ConsentForm(
    config: Arc<WidgetConfig>,
    cta: CtaSpec,
    context: Context,
    endpoint: String,
    state: FormState,
    record: RwSignal<Option<StoredRecord>>,
) -> impl IntoView {
    let locale = context.locale;
    let text = strings(locale);
    let form_ref = NodeRef::<html::Form>::new();
    let feedback = state.feedback;
    let phase = move || feedback.with(|f| f.phase.clone());
    let fields = config
        .fields
        .iter()
        .zip(&state.values)
        .map(|(spec, value)| {
            view! { <TextField spec=spec.clone() value=*value state=state.clone() locale=locale /> }.into_any()
        })
        .collect_view();
    let boxes = state
        .boxes
        .iter()
        .filter_map(|(id, ticked)| {
            let purpose = config.purpose(id)?.clone();
            Some(view! { <PurposeBox purpose=purpose ticked=*ticked locale=locale /> }.into_any())
        })
        .collect_view();
    let purposes_error = move || feedback.with(|f| f.purposes_error);
    let on_submit = {
        let (state, config, cta) = (state.clone(), config.clone(), cta.clone());
        move |event: web_sys::SubmitEvent| {
            event.prevent_default();
            if state.phase() == Phase::Sending {
                return;
            }
            let answers = state.answers(&config.fields);
            if !state.validate(&config.fields, &cta, &answers, locale) {
                focus_first_error(form_ref, &state, &config, &cta);
                return;
            }
            state.sending(locale);
            let (state, endpoint, context) = (state.clone(), endpoint.clone(), context.clone());
            let honeypot = Some(state.honeypot.get_untracked());
            spawn_local(async move {
                let waiting = |seconds| state.waiting(seconds, locale);
                let outcome = submit(&endpoint, &context, &answers, honeypot, waiting).await;
                if let Outcome::Accepted(stored) = &outcome {
                    record.set(Some(stored.clone()));
                }
                let accepted = matches!(outcome, Outcome::Accepted(_));
                state.apply(outcome, locale);
                if accepted {
                    // The form hides on the next render; then focus the confirmation, so it is read out.
                    crate::deliver::sleep(0).await;
                    focus_success(form_ref);
                }
            });
        }
    };
    let service = cta.service.is_some();
    let done_id = move || match phase() {
        Phase::Done(id) => id,
        _ => String::new(),
    };
    view! {
        <form node_ref=form_ref novalidate hidden=move || matches!(phase(), Phase::Done(_)) on:submit=on_submit>
            {fields}
            <fieldset class="purposes" aria-describedby=move || purposes_error().map(|_| "purposes-error")>
                <legend>{text.purposes_legend}</legend>
                {service.then(|| view! { <p class="hint">{text.purposes_optional}</p> })}
                {boxes}
                <p class="error" id="purposes-error" hidden=move || purposes_error().is_none()>
                    {move || purposes_error()}
                </p>
            </fieldset>
            <PrivacyAck
                privacy_url=config.privacy_url.clone()
                ticked=state.privacy_ack
                feedback=feedback
                locale=locale
            />
            <FirstLayer
                text=config.first_layer.get(locale).to_owned()
                privacy_url=config.privacy_url.clone()
                locale=locale
            />
            <div class="hp" aria-hidden="true">
                <label for="hp-field">"Ne pas remplir / Leave empty"</label>
                <input id="hp-field" type="text" tabindex="-1" autocomplete="off" bind:value=state.honeypot />
            </div>
            <button type="submit" class="submit" disabled=move || phase() == Phase::Sending>
                {text.submit}
            </button>
        </form>
        <div class="success" hidden=move || !matches!(phase(), Phase::Done(_))>
            <p class="success-title" tabindex="-1">{text.check_mailbox}</p>
            <p>{text.record_id} <code>{done_id}</code></p>
        </div>
        <p class="live" role="status" aria-live="polite">{move || feedback.with(|f| f.announce.clone())}</p>
    }
}
