//! What a returning browser sees: « Vous avez consenti le … » (« Votre demande du … est en attente de
//! confirmation par courriel » until the email is confirmed) with the current choices, *modifier* (the boxes
//! again, signed `change`) and *retirer* (one click, signed `withdraw`); « Vous avez retiré votre consentement le
//! … » afterwards.

use crate::dom::{append, el, hide, on, set_text, text_el};
use crate::i18n::strings;
use crate::records::{self, StoredRecord};
use crate::submit::{Outcome, act};
use consent::Locale;
use consent::protocol::{Action, WidgetConfig};
use js_sys::{Date, Object, Reflect};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

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

/// The returning view's parts and state.
struct View {
    config: Arc<WidgetConfig>,
    endpoint: String,
    record: RwSignal<Option<StoredRecord>>,
    locale: Locale,
    section: Element,
    summary: Element,
    fieldset: Element,
    boxes: Element,
    actions: Element,
    change: Element,
    cancel: Element,
    live: Element,
    /// The choices being changed, `None` when not editing.
    draft: RefCell<Option<BTreeMap<String, bool>>>,
}

impl View {
    fn label(&self, id: &str) -> String {
        self.config.purpose(id).map_or_else(|| id.to_owned(), |p| p.label.get(self.locale).to_owned())
    }

    /// Shows `record`: the summary, and the actions while consent stands.
    fn show_record(&self, record: Option<&StoredRecord>) {
        let text = strings(self.locale);
        hide(&self.section, record.is_none());
        self.summary.set_text_content(None);
        let Some(r) = record else { return };
        let (given_at, changed_at) = (r.given_at.as_str(), r.updated_at.as_deref().unwrap_or(&r.given_at));
        // Consent stands only once the email is confirmed; before that, the summary says what it waits for.
        let (before, date, after) = match r.status.as_str() {
            "pending" => (text.pending_on, given_at, text.pending_to),
            "withdrawn" => (text.withdrawn_on, changed_at, "."),
            "erased" => (text.erased_on, changed_at, "."),
            "expired" => (text.expired, "", ""),
            _ => (text.consented_on, given_at, text.consented_to),
        };
        let ended = matches!(r.status.as_str(), "withdrawn" | "erased" | "expired");
        let mut said = String::from(before);
        if !date.is_empty() {
            said.push_str(&long_date(date, self.locale));
        }
        said.push_str(after);
        let items = el("ul", &[]);
        hide(&items, ended);
        for (id, &yes) in &r.choices {
            let item = text_el("li", &[], &self.label(id));
            item.append_with_str_1(" — ").ok();
            append(&item, &[&text_el("strong", &[], if yes { text.accepted } else { text.refused })]);
            append(&items, &[&item]);
        }
        append(&self.summary, &[&text_el("p", &[], &said), &items]);
        hide(&self.actions, ended);
    }

    /// Shows the boxes while editing, and the buttons that go with it.
    fn show_draft(self: &Rc<Self>) {
        let text = strings(self.locale);
        let draft = self.draft.borrow();
        let editing = draft.is_some();
        hide(&self.fieldset, !editing);
        hide(&self.cancel, !editing);
        set_text(&self.change, if editing { text.save_changes } else { text.change });
        self.boxes.set_text_content(None);
        for (id, &ticked) in draft.iter().flatten() {
            let box_id = format!("r-{id}");
            let choice = el("div", &[("class", "choice")]);
            let input = el("input", &[("type", "checkbox"), ("id", &box_id)]);
            if let Some(input) = input.dyn_ref::<web_sys::HtmlInputElement>() {
                input.set_checked(ticked);
            }
            let (view, key) = (self.clone(), id.clone());
            on(
                &input,
                "change",
                Box::new(move |event| {
                    let on = event
                        .target()
                        .and_then(|t| t.dyn_into::<Element>().ok())
                        .is_some_and(|t| crate::dom::checked(&t));
                    if let Some(draft) = view.draft.borrow_mut().as_mut() {
                        draft.insert(key.clone(), on);
                    }
                }),
            );
            append(&choice, &[&input, &text_el("label", &[("for", &box_id)], &self.label(id))]);
            append(&self.boxes, &[&choice]);
        }
    }

    /// Sends `action` on the stored record and shows the result.
    fn send(self: &Rc<Self>, action: Action, done: &'static str) {
        let Some(current) = self.record.get_untracked() else { return };
        let view = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let site = view.config.site.as_str();
            let said = match act(&view.endpoint, site, Some(&current.record_id), action).await {
                Ok(updated) => {
                    let _ = records::save(site, &updated).await;
                    view.record.set(Some(updated));
                    done.to_owned()
                }
                Err(outcome) => message_of(outcome, view.locale),
            };
            set_text(&view.live, &said);
        });
    }
}

/// The summary of `record` with its two actions, kept up to date as the record changes.
pub fn returning(
    config: Arc<WidgetConfig>,
    endpoint: String,
    record: RwSignal<Option<StoredRecord>>,
    locale: Locale,
) -> Element {
    let text = strings(locale);
    let section = el("section", &[("class", "returning"), ("aria-labelledby", "returning-title"), ("hidden", "")]);
    let fieldset = el("fieldset", &[("class", "purposes"), ("hidden", "")]);
    let boxes = el("div", &[]);
    append(&fieldset, &[&text_el("legend", &[], text.purposes_legend), &boxes]);
    let actions = el("div", &[("class", "actions")]);
    let change = text_el("button", &[("type", "button"), ("class", "secondary")], text.change);
    let cancel = text_el("button", &[("type", "button"), ("class", "secondary"), ("hidden", "")], text.cancel);
    let withdraw = text_el("button", &[("type", "button"), ("class", "secondary danger")], text.withdraw);
    append(&actions, &[&change, &cancel, &withdraw]);
    let summary = el("div", &[]);
    let live = el("p", &[("class", "live"), ("role", "status"), ("aria-live", "polite")]);
    append(
        &section,
        &[&text_el("h2", &[("id", "returning-title")], text.your_consent), &summary, &fieldset, &actions, &live],
    );
    let view = Rc::new(View {
        config,
        endpoint,
        record,
        locale,
        section: section.clone(),
        summary,
        fieldset,
        boxes,
        actions,
        change: change.clone(),
        cancel: cancel.clone(),
        live,
        draft: RefCell::new(None),
    });
    let v = view.clone();
    on(
        &change,
        "click",
        Box::new(move |_| {
            let edited = v.draft.borrow_mut().take();
            match edited {
                None => *v.draft.borrow_mut() = v.record.get_untracked().map(|r| r.choices),
                Some(choices) => v.send(Action::Change { choices }, strings(v.locale).changed),
            }
            v.show_draft();
        }),
    );
    let v = view.clone();
    on(
        &cancel,
        "click",
        Box::new(move |_| {
            v.draft.borrow_mut().take();
            v.show_draft();
        }),
    );
    let v = view.clone();
    on(
        &withdraw,
        "click",
        Box::new(move |_| {
            v.draft.borrow_mut().take();
            v.show_draft();
            v.send(Action::Withdraw, strings(v.locale).withdrawn_done);
        }),
    );
    // The one reactive part: the record, shared by the page's CTAs of the site, changes on refresh and actions.
    let v = view;
    crate::page::watch(Box::new(move || record.with(|r| v.show_record(r.as_ref()))));
    section
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
