//! The root of one embedded widget: loads the site's config (collector or static file), picks the locale and
//! the CTA, then shows its [`panel`](super::cta_panel::panel).

use crate::api;
use crate::components::consent_dialog::open;
use crate::components::cta_panel::{Panel, panel};
use crate::dom::text_el;
use crate::embed::{Embed, Handoff};
use crate::form_state::FormState;
use crate::i18n::strings;
use crate::page::{self, Loaded};
use crate::seal::Context;
use consent::Locale;
use consent::protocol::WidgetConfig;
use leptos::prelude::*;
use std::sync::Arc;
use web_sys::Element;

/// The locale: `data-lang`, else the page's `lang`, else the site's default.
fn pick_locale(embed: &Embed, config: &WidgetConfig) -> Locale {
    match embed.lang.as_deref().filter(|l| !l.trim().is_empty()) {
        Some(tag) => Locale::from_tag(tag),
        None => config.default_locale,
    }
}

/// What `embed` shows once its config is `loaded`: the CTA's panel, or why it cannot.
fn content(
    embed: &Embed,
    loaded: Loaded,
    record: RwSignal<Option<crate::records::StoredRecord>>,
    summary: bool,
    button: Option<Element>,
) -> Element {
    let fallback_locale = Locale::from_tag(embed.lang.as_deref().unwrap_or("fr"));
    let failed = || text_el("p", &[("class", "error")], strings(fallback_locale).config_failed);
    let Some(Ok(config)) = loaded else { return failed() };
    let endpoint = embed.endpoint.clone().or_else(|| config.endpoint.clone());
    let (Some(endpoint), Some(cta)) = (endpoint, config.cta(&embed.cta)) else { return failed() };
    let context = Context {
        site: config.site.to_string(),
        cta: cta.id.to_string(),
        page_url: embed.page_url.clone(),
        locale: pick_locale(embed, &config),
        notice_version: config.notice_version.clone(),
    };
    let state = FormState::new(&config.fields, cta);
    panel(Panel { config: config.clone(), context, endpoint, state, record, summary, refresh_record: true, button })
}

/// Loads the config of `embed` and renders its CTA into `root`, keeping the CTA button the loader drew there
/// (`handoff`) and opening the dialog if it was clicked before. Runs inside Leptos' mount (whose owner holds the
/// effect and the page's shared signals); the markup itself is the widget's own (see [`crate::dom`]).
pub fn widget(root: &Element, embed: Embed, handoff: Option<Handoff>) {
    let address =
        embed.config_url.clone().or_else(|| embed.endpoint.as_deref().map(|e| api::config_url(e, &embed.site)));
    // Several CTAs of a page share one config request and one remembered record (taken in page order, so the
    // first CTA of the site shows the returning browser's summary).
    let (loaded, first) = match &address {
        Some(address) => page::config(address),
        None => (RwSignal::new(Some(Err(()))), false),
    };
    let (record, summary) = page::record(&embed.site);
    if let (Some(address), true) = (address, first) {
        wasm_bindgen_futures::spawn_local(async move {
            let result = api::get_json::<WidgetConfig>(&address).await.map(Arc::new).map_err(drop);
            loaded.set(Some(result));
        });
    }
    let root = root.clone();
    let shown = std::cell::Cell::new(false);
    // Built once, when the config arrives. The effect tracks `loaded` only (the build reads no signal), which is
    // set once per address, so it never runs again and never disposes the panel's own effect.
    page::watch(Box::new(move || {
        let Some(config) = loaded.get() else { return };
        if shown.replace(true) {
            return;
        }
        let drawn = Handoff::button(&root);
        let panel = drawn.as_ref().and_then(|b| b.parent_element());
        let shown = content(&embed, Some(config), record, summary, drawn);
        // The loader's panel is kept in place (moving it would take the focus away); anything else replaces it.
        if !panel.is_some_and(|p| p.is_same_node(Some(&shown))) {
            root.replace_children_with_node_1(&shown);
        }
        if handoff.as_ref().is_some_and(Handoff::take_click)
            && let Some(dialog) = crate::dom::find(&shown, "dialog")
        {
            open(&dialog);
        }
    }));
}
