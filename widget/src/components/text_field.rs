//! One form field: label (required ones marked), input, what leaving an optional one empty changes, and its
//! error, tied to the input with `aria-describedby` and `aria-invalid`.

use crate::form_state::FormState;
use crate::i18n::strings;
use consent::Locale;
use consent::protocol::FieldSpec;
use consent::vocabulary::FieldKind;
use leptos::prelude::*;

/// The `autocomplete` token of the default fields (WCAG 1.3.5), so browsers can fill them in.
fn autocomplete(id: &str, kind: FieldKind) -> &'static str {
    match (id, kind) {
        (_, FieldKind::Email) => "email",
        ("last_name", _) => "family-name",
        ("first_name", _) => "given-name",
        _ => "off",
    }
}

/// The field `spec`, bound to `value`.
#[component]
pub fn TextField(spec: FieldSpec, value: RwSignal<String>, state: FormState, locale: Locale) -> impl IntoView {
    let text = strings(locale);
    let id = format!("f-{}", spec.id);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let field = spec.id.to_string();
    // A plain closure (no `Signal::derive`): one signal type less in the bundle.
    let error = move || state.error_of(&field);
    let has_hint = !spec.required && spec.if_omitted.is_some();
    let described_by = {
        let (hint_id, error_id, error) = (hint_id.clone(), error_id.clone(), error.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let (invalid, hidden) = (error.clone(), error.clone());
    let (input_type, inputmode) = match spec.kind {
        FieldKind::Email => ("email", None),
        FieldKind::Year => ("text", Some("numeric")),
        FieldKind::Text => ("text", None),
    };
    let marker = if spec.required { text.required } else { text.optional };
    let hint = spec.if_omitted.as_ref().filter(|_| has_hint).map(|h| h.get(locale).to_owned());
    view! {
        <div class="field">
            <label for=id.clone()>
                {spec.label.get(locale).to_owned()}
                <span class=if spec.required { "mark required" } else { "mark" }>" (" {marker} ")"</span>
            </label>
            <input
                id=id
                name=spec.id.to_string()
                type=input_type
                inputmode=inputmode
                autocomplete=autocomplete(spec.id.as_str(), spec.kind)
                maxlength=spec.max_length.to_string()
                aria-required=if spec.required { "true" } else { "false" }
                aria-invalid=move || if invalid().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                bind:value=value
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            <p class="error" id=error_id hidden=move || hidden().is_none()>
                {move || error().map(|code| code.message(locale))}
            </p>
        </div>
    }
}
