//! One form field: label (required ones marked), input, what leaving an optional one empty changes, and its
//! error, tied to the input with `aria-describedby` and `aria-invalid` (written by the form's state).

use crate::dom::{append, el, text_el};
use crate::i18n::strings;
use consent::Locale;
use consent::protocol::FieldSpec;
use consent::vocabulary::FieldKind;
use web_sys::Element;

/// The `autocomplete` token of the default fields (WCAG 1.3.5), so browsers can fill them in.
fn autocomplete(id: &str, kind: FieldKind) -> &'static str {
    match (id, kind) {
        (_, FieldKind::Email) => "email",
        ("last_name", _) => "family-name",
        ("first_name", _) => "given-name",
        _ => "off",
    }
}

/// The field `spec`, empty.
pub fn text_field(spec: &FieldSpec, locale: Locale) -> Element {
    let text = strings(locale);
    let id = format!("f-{}", spec.id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let (input_type, inputmode) = match spec.kind {
        FieldKind::Email => ("email", None),
        FieldKind::Year => ("text", Some("numeric")),
        FieldKind::Text => ("text", None),
    };
    let field = el("div", &[("class", "field")]);
    let label = text_el("label", &[("for", &id)], spec.label.get(locale));
    let mark = format!(" ({})", if spec.required { text.required } else { text.optional });
    append(&label, &[&text_el("span", &[("class", if spec.required { "mark required" } else { "mark" })], &mark)]);
    let input = el(
        "input",
        &[
            ("id", &id),
            ("name", spec.id.as_str()),
            ("type", input_type),
            ("autocomplete", autocomplete(spec.id.as_str(), spec.kind)),
            ("maxlength", &spec.max_length.to_string()),
            ("aria-required", if spec.required { "true" } else { "false" }),
        ],
    );
    if let Some(mode) = inputmode {
        let _ = input.set_attribute("inputmode", mode);
    }
    append(&field, &[&label, &input]);
    if let Some(hint) = spec.if_omitted.as_ref().filter(|_| !spec.required) {
        append(&field, &[&text_el("p", &[("class", "hint"), ("id", &hint_id)], hint.get(locale))]);
    }
    append(&field, &[&el("p", &[("class", "error"), ("id", &error_id), ("hidden", "")])]);
    field
}
