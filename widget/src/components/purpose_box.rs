//! One purpose box: never ticked by the widget, only by the alumnus.

use crate::dom::{append, el, text_el};
use consent::Locale;
use consent::protocol::PurposeSpec;
use web_sys::Element;

/// The box of `purpose`, unticked.
pub fn purpose_box(purpose: &PurposeSpec, locale: Locale) -> Element {
    let id = format!("p-{}", purpose.id);
    let description_id = format!("{id}-desc");
    let choice = el("div", &[("class", "choice")]);
    let input = el("input", &[("type", "checkbox"), ("id", &id), ("name", "purpose"), ("value", purpose.id.as_str())]);
    append(&choice, &[&input, &text_el("label", &[("for", &id)], purpose.label.get(locale))]);
    if let Some(description) = &purpose.description {
        let _ = input.set_attribute("aria-describedby", &description_id);
        append(&choice, &[&text_el("p", &[("class", "hint"), ("id", &description_id)], description.get(locale))]);
    }
    choice
}
