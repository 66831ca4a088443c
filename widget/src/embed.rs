//! Where the widget is mounted (DESIGN §7). The page's module is a small hand-written loader
//! (`widget/loader/alumni-consent.js`): it finds the mount points — after each of the bundle's own
//! `<script type="module" … data-cta>` tags and in each `<div data-alumni-consent>` —, gives each an open shadow
//! root with the stylesheet, draws its CTA button and, on intent, imports this module and hands each CTA over
//! with [`crate::mount`]: its settings ([`Embed`]) and a [`Handoff`].
//!
//! Where the answers go is decided by the webmaster's `<script>` tag only (issue 12): the loader takes the
//! endpoint, the site and the config from the tags whose `src` is its own `import.meta.url`, and a
//! `data-alumni-consent` element (markup a sanitiser keeps) chooses its CTA and language, nothing else.

use crate::components::widget::widget;
use crate::style;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, ShadowRootInit, ShadowRootMode};

/// What one mount point asks for, as the loader read it from the script tag and the mount point.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Embed {
    /// `data-endpoint`: the collector's base URL.
    pub endpoint: Option<String>,
    /// `data-site`.
    pub site: String,
    /// `data-cta`, `join` by default.
    pub cta: String,
    /// `data-config`: a static `WidgetConfig` JSON instead of the collector's.
    pub config_url: Option<String>,
    /// `data-lang`, else the page's `lang`.
    pub lang: Option<String>,
    /// The page address without query or fragment (they may hold personal data).
    pub page_url: String,
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    let value = js_sys::Reflect::get(object, &JsValue::from_str(key)).ok()?.as_string()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

impl Embed {
    /// The settings the loader hands over: `{endpoint, site, cta, config, lang, page}`, absent or empty ones left
    /// out (the CTA is then `join`).
    pub fn from_settings(settings: &JsValue) -> Embed {
        Embed {
            endpoint: text(settings, "endpoint"),
            site: text(settings, "site").unwrap_or_default(),
            cta: text(settings, "cta").unwrap_or_else(|| "join".to_owned()),
            config_url: text(settings, "config"),
            lang: text(settings, "lang"),
            page_url: text(settings, "page").unwrap_or_default(),
        }
    }
}

/// The loader's record of one CTA (`{root, settings, clicked, ready}`): whether a click on its button came
/// before the form could answer it.
pub struct Handoff(JsValue);

impl Handoff {
    /// Wraps the loader's object.
    pub fn new(object: JsValue) -> Handoff {
        Handoff(object)
    }

    /// The CTA button the loader drew in `root`, if it drew one (the form keeps it: focus stays where it is).
    pub fn button(root: &Element) -> Option<Element> {
        root.query_selector(":scope > .panel > button.cta").ok().flatten()
    }

    /// Tells the loader that the form now answers clicks itself, and says whether a click came before. Called
    /// right after the form's own listener is attached, in the same task, so that no click falls between.
    pub fn take_click(&self) -> bool {
        let key = |k: &str| JsValue::from_str(k);
        let _ = js_sys::Reflect::set(&self.0, &key("ready"), &JsValue::TRUE);
        js_sys::Reflect::get(&self.0, &key("clicked")).is_ok_and(|v| v.is_truthy())
    }
}

/// Attaches an open shadow root with the stylesheet to `host`; returns the element to render into. What the
/// loader does in a page; the browser tests mount their CTAs with it.
pub fn shadow_root(document: &Document, host: &HtmlElement) -> Result<HtmlElement, JsValue> {
    host.set_attribute("data-alumni-consent-mounted", "")?;
    host.class_list().add_1("alumni-consent")?;
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    style::adopt(document, &shadow)?;
    let root: HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name("root");
    shadow.append_child(&root)?;
    Ok(root)
}

/// Renders the widget of `embed` into `root` (the loader's `div.root` in its shadow root).
pub fn mount(root: HtmlElement, embed: Embed, handoff: Handoff) {
    let target = root.clone();
    leptos::mount::mount_to(root, move || widget(&target, embed, Some(handoff))).forget();
}
