//! Mounting a CTA of the example association in a shadow root, and driving it like a user.

use consent::protocol::{CtaSpec, WidgetConfig};
use consent::{Config, Locale, Notice};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, ShadowRoot};
use widget::components::cta_panel::CtaPanel;
use widget::form_state::FormState;
use widget::records::StoredRecord;
use widget::seal::Context;

/// The widget config of `examples/association-exemple` (CTAs join, event, interview).
pub fn config() -> WidgetConfig {
    config_from(include_str!("../../../examples/association-exemple/consent.toml"))
}

/// The widget config of a `consent.toml` text.
pub fn config_from(toml: &str) -> WidgetConfig {
    let config = Config::from_toml_str(toml, "consent.toml").expect("example config is valid");
    WidgetConfig::from_config(&config, &Notice::render(&config))
}

/// A mounted CTA: its shadow root and form state.
pub struct Mounted {
    pub shadow: ShadowRoot,
    pub state: FormState,
    pub cta: CtaSpec,
    pub config: WidgetConfig,
}

/// Mounts `cta` of `config` like `embed::mount` does (host div, open shadow root, stylesheet), with no collector.
pub fn mount_with(config: WidgetConfig, cta: &str, locale: Locale) -> Mounted {
    mount_remembering(config, cta, locale, None)
}

/// Like [`mount_with`], for a browser that remembers `record`.
pub fn mount_remembering(config: WidgetConfig, cta: &str, locale: Locale, record: Option<StoredRecord>) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    // One widget on the page at a time: an open modal dialog of an earlier test would make this one inert.
    let earlier = document.query_selector_all(".alumni-consent").unwrap();
    for i in 0..earlier.length() {
        let host: Element = earlier.item(i).unwrap().unchecked_into();
        host.remove();
    }
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let root = widget::embed::shadow_root(&document, &host).unwrap();
    let cta = config.cta(cta).expect("cta exists").clone();
    let state = FormState::new(&config.fields, &cta);
    let context = Context {
        site: config.site.to_string(),
        cta: cta.id.to_string(),
        page_url: "http://127.0.0.1/article/".into(),
        locale,
        notice_version: config.notice_version.clone(),
    };
    let (c, s, k) = (std::sync::Arc::new(config.clone()), state.clone(), cta.clone());
    let record = RwSignal::new(record);
    leptos::mount::mount_to(root, move || {
        // Port 9 (discard): nothing listens, so any request would fail; these tests never send one.
        view! { <CtaPanel config=c cta=k context=context endpoint="http://127.0.0.1:9".to_owned() state=s refresh_record=false record=record /> }
    })
    .forget();
    Mounted { shadow: host.shadow_root().unwrap(), state, cta, config }
}

/// Mounts `cta` of the example association in French.
pub fn mount(cta: &str) -> Mounted {
    mount_with(config(), cta, Locale::Fr)
}

/// Lets Leptos' effects run (they are scheduled, not synchronous).
pub async fn settle() {
    widget::deliver::sleep(20).await;
}

impl Mounted {
    pub fn find(&self, selector: &str) -> Option<Element> {
        self.shadow.query_selector(selector).unwrap()
    }

    pub fn get(&self, selector: &str) -> Element {
        self.find(selector).unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    pub fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.shadow.query_selector_all(selector).unwrap();
        (0..list.length()).filter_map(|i| list.item(i)).map(|n| n.unchecked_into()).collect()
    }

    pub fn input(&self, selector: &str) -> HtmlInputElement {
        self.get(selector).unchecked_into()
    }

    /// Clicks like a user (focus, then click events; checkboxes toggle and fire `change`).
    pub fn click(&self, selector: &str) {
        let element: HtmlElement = self.get(selector).unchecked_into();
        element.focus().unwrap();
        element.click();
    }

    /// Moves focus to the element matched by `selector`.
    pub fn focus(&self, selector: &str) {
        let element: HtmlElement = self.get(selector).unchecked_into();
        element.focus().unwrap();
    }

    /// Types `value` into the input matched by `selector` (sets it and fires `input`).
    pub fn type_into(&self, selector: &str, value: &str) {
        let input = self.input(selector);
        input.set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        input.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
    }

    /// The purpose boxes, by purpose id, with whether each is ticked.
    pub fn boxes(&self) -> Vec<(String, bool)> {
        self.all("input[name=purpose]")
            .into_iter()
            .map(|e| {
                let input: HtmlInputElement = e.unchecked_into();
                (input.value(), input.checked())
            })
            .collect()
    }

    /// The live region's text.
    pub fn announced(&self) -> String {
        self.get("form + .success + .live").text_content().unwrap_or_default()
    }

    /// The focused element's id (inside the shadow root), or its class when it has no id.
    pub fn focused(&self) -> String {
        self.shadow
            .active_element()
            .map(|e| if e.id().is_empty() { e.class_name() } else { e.id() })
            .unwrap_or_default()
    }

    /// Opens the dialog with the CTA and fills every required field with valid values.
    pub async fn open_and_fill(&self) {
        self.click("button.cta");
        self.type_into("#f-last_name", "Curie");
        self.type_into("#f-first_name", "Marie");
        self.type_into("#f-promo", "2015");
        self.type_into("#f-programme", "Physique");
        self.type_into("#f-email", "marie.curie@example.org");
        settle().await;
    }
}
