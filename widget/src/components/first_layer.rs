//! The first-layer notice under the boxes (DESIGN §5), as plain text paragraphs, with the second layer's link.

use crate::components::privacy_ack::link;
use crate::dom::{append, el, text_el};
use crate::i18n::strings;
use consent::Locale;
use web_sys::Element;

/// The first layer `text` (paragraphs separated by blank lines) and a link to `privacy_url`.
pub fn first_layer(text: &str, privacy_url: &str, locale: Locale) -> Element {
    let notice = el("div", &[("class", "notice"), ("id", "first-layer")]);
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        append(&notice, &[&text_el("p", &[], paragraph)]);
    }
    let last = el("p", &[]);
    append(&last, &[&link(privacy_url, strings(locale).read_more, locale)]);
    append(&notice, &[&last]);
    notice
}
