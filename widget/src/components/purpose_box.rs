//! One purpose box: never ticked by the widget, only by the alumnus.

use consent::Locale;
use consent::protocol::PurposeSpec;
use leptos::prelude::*;

/// The box of `purpose`, bound to `ticked` (which starts false).
#[component]
pub fn PurposeBox(purpose: PurposeSpec, ticked: RwSignal<bool>, locale: Locale) -> impl IntoView {
    let id = format!("p-{}", purpose.id);
    let description_id = format!("{id}-desc");
    let description = purpose.description.as_ref().map(|d| d.get(locale).to_owned());
    let described_by = description.as_ref().map(|_| description_id.clone());
    view! {
        <div class="choice">
            <input
                type="checkbox"
                id=id.clone()
                name="purpose"
                value=purpose.id.to_string()
                aria-describedby=described_by
                bind:checked=ticked
            />
            <label for=id>{purpose.label.get(locale).to_owned()}</label>
            {description.map(|d| view! { <p class="hint" id=description_id>{d}</p> })}
        </div>
    }
}
