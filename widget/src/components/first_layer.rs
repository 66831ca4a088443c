//! The first-layer notice under the boxes (DESIGN §5), as plain text paragraphs, with the second layer's link.

use crate::components::privacy_ack::safe_url;
use crate::i18n::strings;
use consent::Locale;
use leptos::prelude::*;

/// The first layer `text` (paragraphs separated by blank lines) and a link to `privacy_url`.
#[component]
pub fn FirstLayer(text: String, privacy_url: String, locale: Locale) -> impl IntoView {
    let paragraphs: Vec<String> =
        text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
    view! {
        <div class="notice" id="first-layer">
            {paragraphs.into_iter().map(|p| view! { <p>{p}</p> }.into_any()).collect_view()}
            <p>
                <a href=safe_url(&privacy_url) target="_blank" rel="noopener">{strings(locale).read_more}</a>
            </p>
        </div>
    }
}
