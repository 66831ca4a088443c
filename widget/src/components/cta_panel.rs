//! One CTA where it is embedded: the button, the dialog with its form, and the returning browser's summary.

use crate::components::consent_dialog::{ConsentDialog, open};
use crate::components::consent_form::ConsentForm;
use crate::components::returning::{Returning, refresh};
use crate::form_state::FormState;
use crate::records::StoredRecord;
use crate::seal::Context;
use consent::protocol::{CtaSpec, WidgetConfig};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The CTA `cta` of `config`, posting to `endpoint`. `state` is the form's state (tests pass their own).
#[component]
pub fn CtaPanel(
    config: Arc<WidgetConfig>,
    cta: CtaSpec,
    context: Context,
    endpoint: String,
    #[prop(optional)] state: Option<FormState>,
    /// Whether to ask the collector about a remembered record (off in tests without a collector).
    #[prop(default = true)]
    refresh_record: bool,
    /// The record shared by the page's CTAs of this site (a fresh one when not given).
    #[prop(optional)]
    record: Option<RwSignal<Option<StoredRecord>>>,
    /// Whether this CTA shows the returning browser's summary and refreshes the record (the page's first of the
    /// site does; the others share its record).
    #[prop(default = true)]
    summary: bool,
) -> impl IntoView {
    let locale = context.locale;
    let label = cta.label.get(locale).to_owned();
    let state = state.unwrap_or_else(|| FormState::new(&config.fields, &cta));
    let dialog_ref = NodeRef::<html::Dialog>::new();
    let cta_ref = NodeRef::<html::Button>::new();
    let record = record.unwrap_or_else(|| RwSignal::new(None));
    if refresh_record && summary {
        let (endpoint, site) = (endpoint.clone(), context.site.clone());
        spawn_local(async move { refresh(&endpoint, &site, record).await });
    }
    view! {
        <div class="panel">
            <button type="button" class="cta" node_ref=cta_ref aria-haspopup="dialog" on:click=move |_| open(dialog_ref)>
                {label.clone()}
            </button>
            {summary.then(|| view! { <Returning config=config.clone() endpoint=endpoint.clone() record=record locale=locale /> })}
            <ConsentDialog dialog_ref=dialog_ref cta_ref=cta_ref title=label locale=locale>
                <ConsentForm
                    config=config
                    cta=cta
                    context=context
                    endpoint=endpoint
                    state=state
                    record=record
                />
            </ConsentDialog>
        </div>
    }
}
