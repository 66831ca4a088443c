//! « J'ai lu la politique de confidentialité », apart from the purpose boxes, with the link to the notice.

use crate::dom::{append, el, text_el};
use crate::i18n::strings;
use consent::Locale;
use web_sys::Element;

/// Whether `url` may be a link target: a relative path or http(s) only (never `javascript:`).
pub fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let ok = (url.starts_with('/') && !url.starts_with("//"))
        || lower.starts_with("https://")
        || lower.starts_with("http://");
    ok.then(|| url.to_owned())
}

/// A link to `url` (when safe) opening in a new tab, which it says to screen readers (WCAG 3.2.5: a change of
/// context the user is told about); the words are visually hidden, the page stays as designed.
pub fn link(url: &str, text: &str, locale: Locale) -> Element {
    let link = text_el("a", &[("target", "_blank"), ("rel", "noopener")], text);
    append(&link, &[&text_el("span", &[("class", "vh")], strings(locale).new_tab)]);
    if let Some(url) = safe_url(url) {
        let _ = link.set_attribute("href", &url);
    }
    link
}

/// The privacy box, unticked, with its error (hidden until the form's state shows it).
pub fn privacy_ack(privacy_url: &str, locale: Locale) -> Element {
    let text = strings(locale);
    let choice = el("div", &[("class", "choice privacy")]);
    let label = text_el("label", &[("for", "privacy-ack")], text.privacy_ack);
    append(&label, &[&link(privacy_url, text.privacy_link, locale)]);
    append(
        &choice,
        &[
            &el("input", &[("type", "checkbox"), ("id", "privacy-ack"), ("aria-invalid", "false")]),
            &label,
            &el("p", &[("class", "error"), ("id", "privacy-error"), ("hidden", "")]),
        ],
    );
    choice
}
