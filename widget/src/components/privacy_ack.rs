//! « J'ai lu la politique de confidentialité », apart from the purpose boxes, with the link to the notice.

use crate::form_state::Feedback;
use crate::i18n::strings;
use consent::Locale;
use leptos::prelude::*;

/// Whether `url` may be a link target: a relative path or http(s) only (never `javascript:`).
pub fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let ok = (url.starts_with('/') && !url.starts_with("//"))
        || lower.starts_with("https://")
        || lower.starts_with("http://");
    ok.then(|| url.to_owned())
}

/// The privacy box, bound to `ticked`, with its error (from `feedback`).
#[component]
pub fn PrivacyAck(
    privacy_url: String,
    ticked: RwSignal<bool>,
    feedback: RwSignal<Feedback>,
    locale: Locale,
) -> impl IntoView {
    let text = strings(locale);
    let error = move || feedback.with(|f| f.privacy_error);
    view! {
        <div class="choice privacy">
            <input
                type="checkbox"
                id="privacy-ack"
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=move || error().map(|_| "privacy-error")
                bind:checked=ticked
            />
            <label for="privacy-ack">
                {text.privacy_ack}
                <a href=safe_url(&privacy_url) target="_blank" rel="noopener">{text.privacy_link}</a>
            </label>
            <p class="error" id="privacy-error" hidden=move || error().is_none()>{move || error()}</p>
        </div>
    }
}
