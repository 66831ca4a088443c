//! The root of one embedded widget: loads the site's config (collector or static file), picks the locale and
//! the CTA, then shows the [`CtaPanel`](super::cta_panel::CtaPanel).

use crate::api;
use crate::components::cta_panel::CtaPanel;
use crate::embed::Embed;
use crate::i18n::strings;
use crate::page;
use crate::seal::Context;
use consent::Locale;
use consent::protocol::WidgetConfig;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The locale: `data-lang`, else the page's `lang`, else the site's default.
fn pick_locale(embed: &Embed, config: &WidgetConfig) -> Locale {
    match embed.lang.as_deref().filter(|l| !l.trim().is_empty()) {
        Some(tag) => Locale::from_tag(tag),
        None => config.default_locale,
    }
}

/// Loads the config of `embed` and renders its CTA.
#[component]
pub fn Widget(embed: Embed) -> impl IntoView {
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
        spawn_local(async move {
            let result = api::get_json::<WidgetConfig>(&address).await.map(Arc::new).map_err(drop);
            loaded.set(Some(result));
        });
    }
    move || {
        let config = loaded.get()?;
        let fallback_locale = Locale::from_tag(embed.lang.as_deref().unwrap_or("fr"));
        let failed = || view! { <p class="error">{strings(fallback_locale).config_failed}</p> }.into_any();
        let Ok(config) = config else { return Some(failed()) };
        let endpoint = embed.endpoint.clone().or_else(|| config.endpoint.clone());
        let (Some(endpoint), Some(cta)) = (endpoint, config.cta(&embed.cta).cloned()) else { return Some(failed()) };
        let context = Context {
            site: config.site.to_string(),
            cta: cta.id.to_string(),
            page_url: embed.page_url.clone(),
            locale: pick_locale(&embed, &config),
            notice_version: config.notice_version.clone(),
        };
        Some(
            view! { <CtaPanel config=config cta=cta context=context endpoint=endpoint record=record summary=summary /> }
                .into_any(),
        )
    }
}
