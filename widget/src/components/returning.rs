//! What a returning browser sees: « Vous avez consenti le … » with the current choices, *modifier* (the boxes
//! again, signed `change`) and *retirer* (one click, signed `withdraw`).

use crate::i18n::strings;
use crate::records::{self, StoredRecord};
use crate::submit::{Outcome, act};
use consent::Locale;
use consent::protocol::{Action, WidgetConfig};
use js_sys::{Date, Object, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use wasm_bindgen::JsValue;

/// `2026-11-29T08:45:13Z` as « 29 novembre 2026 » (or « November 29, 2026 »), by the browser's own calendar.
pub fn long_date(rfc3339: &str, locale: Locale) -> String {
    let options = Object::new();
    let _ = Reflect::set(&options, &JsValue::from_str("dateStyle"), &JsValue::from_str("long"));
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    String::from(date.to_locale_date_string(locale.tag(), &options))
}

fn message_of(outcome: Outcome, locale: Locale) -> String {
    let text = strings(locale);
    match outcome {
        Outcome::Refused(kind, _) => kind.message(locale).to_owned(),
        Outcome::Unreachable => text.network_gave_up.to_owned(),
        Outcome::NoCrypto => text.no_crypto.to_owned(),
        _ => consent::protocol::ProblemType::Internal.message(locale).to_owned(),
    }
}

/// Sends `action` on the stored record and shows the result.
fn send(
    endpoint: String,
    site: String,
    record: RwSignal<Option<StoredRecord>>,
    action: Action,
    done: &'static str,
    announce: RwSignal<String>,
    locale: Locale,
) {
    let Some(current) = record.get_untracked() else { return };
    spawn_local(async move {
        match act(&endpoint, &site, Some(&current.record_id), action).await {
            Ok(updated) => {
                let _ = records::save(&site, &updated).await;
                record.set(Some(updated));
                announce.set(done.to_owned());
            }
            Err(outcome) => announce.set(message_of(outcome, locale)),
        }
    });
}

/// The summary of `record` with its two actions.
#[component]
pub fn Returning(
    config: Arc<WidgetConfig>,
    endpoint: String,
    record: RwSignal<Option<StoredRecord>>,
    locale: Locale,
) -> impl IntoView {
    let text = strings(locale);
    // The record being changed, `None` when not editing: the same signal type as `record` (fewer monomorphised
    // copies of the reactive code in the bundle).
    let draft = RwSignal::new(None::<StoredRecord>);
    let editing = move || draft.with(Option::is_some);
    let announce = RwSignal::new(String::new());
    let site = config.site.to_string();
    let label = {
        let config = config.clone();
        move |id: &str| config.purpose(id).map_or_else(|| id.to_owned(), |p| p.label.get(locale).to_owned())
    };
    let summary = {
        let label = label.clone();
        move || {
            record.get().map(|r| {
                let withdrawn = r.status == "withdrawn";
                let pending = r.status == "pending";
                let items = r
                    .choices
                    .iter()
                    .map(|(id, &yes)| {
                        let state = if yes { text.accepted } else { text.refused };
                        view! { <li>{label(id)} " — " <strong>{state}</strong></li> }.into_any()
                    })
                    .collect_view();
                view! {
                    <p>
                        {if withdrawn { text.withdrawn.to_owned() } else {
                            let mut s = String::from(text.consented_on);
                            s.push_str(&long_date(&r.given_at, locale));
                            s.push_str(text.consented_to);
                            s
                        }}
                    </p>
                    <ul hidden=withdrawn>{items}</ul>
                    <p class="hint" hidden=!pending>{text.pending}</p>
                }
            })
        }
    };
    let boxes = move || {
        draft
            .get()
            .map(|r| r.choices)
            .unwrap_or_default()
            .into_iter()
            .map(|(id, ticked)| {
                let box_id = format!("r-{id}");
                let key = id.clone();
                view! {
                    <div class="choice">
                        <input
                            type="checkbox"
                            id=box_id.clone()
                            prop:checked=ticked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                draft.update(|d| {
                                    if let Some(d) = d {
                                        d.choices.insert(key.clone(), on);
                                    }
                                });
                            }
                        />
                        <label for=box_id>{label(&id)}</label>
                    </div>
                }
                .into_any()
            })
            .collect_view()
    };
    let is_active = move || record.with(|r| r.as_ref().is_some_and(|r| r.status != "withdrawn"));
    let (endpoint_change, site_change) = (endpoint.clone(), site.clone());
    let change = move |_| {
        let Some(edited) = draft.get_untracked() else {
            draft.set(record.get_untracked());
            return;
        };
        draft.set(None);
        let choices = edited.choices;
        send(
            endpoint_change.clone(),
            site_change.clone(),
            record,
            Action::Change { choices },
            text.changed,
            announce,
            locale,
        );
    };
    let withdraw = move |_| {
        draft.set(None);
        send(endpoint.clone(), site.clone(), record, Action::Withdraw, text.withdrawn_done, announce, locale);
    };
    view! {
        <section class="returning" aria-labelledby="returning-title" hidden=move || record.with(Option::is_none)>
            <h2 id="returning-title">{text.your_consent}</h2>
            {summary}
            <fieldset class="purposes" hidden=move || !editing()>
                <legend>{text.purposes_legend}</legend>
                {boxes}
            </fieldset>
            <div class="actions" hidden=move || !is_active()>
                <button type="button" class="secondary" on:click=change>
                    {move || if editing() { text.save_changes } else { text.change }}
                </button>
                <button type="button" class="secondary" hidden=move || !editing() on:click=move |_| draft.set(None)>
                    {text.cancel}
                </button>
                <button type="button" class="secondary danger" on:click=withdraw>{text.withdraw}</button>
            </div>
            <p class="live" role="status" aria-live="polite">{move || announce.get()}</p>
        </section>
    }
}

/// Refreshes the remembered record of `site` with a signed `status`; forgets it if the collector does not know it.
pub async fn refresh(endpoint: &str, site: &str, record: RwSignal<Option<StoredRecord>>) {
    let Some(current) = records::load(site).await else { return };
    record.set(Some(current.clone()));
    match act(endpoint, site, Some(&current.record_id), Action::Status).await {
        Ok(updated) => {
            let _ = records::save(site, &updated).await;
            record.set(Some(updated));
        }
        Err(Outcome::Refused(consent::protocol::ProblemType::UnknownRecord, _)) => {
            let _ = records::forget(site).await;
            record.set(None);
        }
        // Offline or refused: keep showing what this browser remembers.
        Err(_) => {}
    }
}
