//! One CTA where it is embedded: the button, the dialog with its form, and the returning browser's summary.

use crate::components::consent_dialog::{dialog, open};
use crate::components::consent_form::{Form, consent_form};
use crate::components::returning::{refresh, returning};
use crate::dom::{append, el, on, text_el};
use crate::form_state::FormState;
use crate::records::StoredRecord;
use crate::seal::Context;
use consent::protocol::{CtaSpec, WidgetConfig};
use leptos::prelude::*;
use std::sync::Arc;
use web_sys::Element;

/// What one CTA shows and where it sends.
pub struct Panel {
    /// The site's config.
    pub config: Arc<WidgetConfig>,
    /// Site, CTA, page, locale, notice version.
    pub context: Context,
    /// The collector.
    pub endpoint: String,
    /// The form's state.
    pub state: FormState,
    /// The record shared by the page's CTAs of this site.
    pub record: RwSignal<Option<StoredRecord>>,
    /// Whether this CTA shows the returning browser's summary (the page's first of the site does).
    pub summary: bool,
    /// Whether to ask the collector about a remembered record (off in tests without a collector).
    pub refresh_record: bool,
    /// The CTA button the loader already drew (inside its `div.panel`), kept rather than drawn again.
    pub button: Option<Element>,
}

/// The CTA's markup (the CTA is `context.cta` of `config`): `div.panel` with the button, the summary and the
/// dialog.
pub fn panel(p: Panel) -> Element {
    let locale = p.context.locale;
    let drawn = p.button.as_ref().and_then(|b| Some((b.parent_element()?, b.clone())));
    let config = p.config.clone();
    let Some(cta_spec) = config.cta(&p.context.cta) else { return el("div", &[("class", "panel")]) };
    let label = cta_spec.label.get(locale);
    let (panel, cta) = drawn.unwrap_or_else(|| {
        let panel = el("div", &[("class", "panel")]);
        let cta = text_el("button", &[("type", "button"), ("class", "cta"), ("aria-haspopup", "dialog")], label);
        append(&panel, &[&cta]);
        (panel, cta)
    });
    if p.summary {
        append(&panel, &[&returning(p.config.clone(), p.endpoint.clone(), p.record, locale)]);
        if p.refresh_record {
            let (endpoint, site, record) = (p.endpoint.clone(), p.context.site.clone(), p.record);
            wasm_bindgen_futures::spawn_local(async move { refresh(&endpoint, &site, record).await });
        }
    }
    let dialog = dialog(label, &cta, locale);
    let d = dialog.clone();
    on(&cta, "click", Box::new(move |_| open(&d)));
    append(&panel, &[&dialog]);
    let Panel { config, context, endpoint, state, record, .. } = p;
    consent_form(&dialog, cta_spec, Form { config, context, endpoint, state, record });
    panel
}

/// Puts `child` in `host` (a `use:` directive: Leptos renders the host, the widget's own markup goes inside).
pub fn put(host: Element, child: Element) {
    let _ = host.append_child(&child);
}

/// The CTA `cta` of `config`, posting to `endpoint`. `state` is the form's state (tests pass their own).
#[component]
pub fn CtaPanel(
    config: Arc<WidgetConfig>,
    cta: CtaSpec,
    context: Context,
    endpoint: String,
    #[prop(optional)] state: Option<FormState>,
    /// Whether to ask the collector about a remembered record (off in tests without a collector).
    #[prop(default = true)]
    refresh_record: bool,
    /// The record shared by the page's CTAs of this site (a fresh one when not given).
    #[prop(optional)]
    record: Option<RwSignal<Option<StoredRecord>>>,
    /// Whether this CTA shows the returning browser's summary and refreshes the record (the page's first of the
    /// site does; the others share its record).
    #[prop(default = true)]
    summary: bool,
) -> impl IntoView {
    let state = state.unwrap_or_else(|| FormState::new(&config.fields, &cta));
    let record = record.unwrap_or_else(|| RwSignal::new(None));
    let panel = panel(Panel { config, context, endpoint, state, record, summary, refresh_record, button: None });
    view! { <div use:put=panel></div> }
}
