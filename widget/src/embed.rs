//! Finding where to mount (DESIGN §7): after each `<script … data-site data-cta>` that loads the bundle, and in
//! each `<div data-alumni-consent>`. Each mount point gets its own open Shadow DOM with the widget's stylesheet.

use crate::components::widget::widget;
use crate::style;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, ShadowRootInit, ShadowRootMode};

/// What one mount point asks for, read from `data-*` attributes.
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

const MOUNTED: &str = "data-alumni-consent-mounted";
const SCRIPTS: &str = "script[data-site][src*='alumni-consent']";
const MOUNT_POINTS: &str = "script[data-site][data-cta][src*='alumni-consent'],[data-alumni-consent]";

fn attr(element: &Element, name: &str) -> Option<String> {
    element.get_attribute(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn page_url(document: &Document) -> String {
    document.location().and_then(|l| Some(l.origin().ok()? + &l.pathname().ok()?)).unwrap_or_default()
}

impl Embed {
    /// The settings of `element`, each falling back to `defaults` (the script tag's).
    pub fn read(element: &Element, defaults: &Embed) -> Embed {
        Embed {
            endpoint: attr(element, "data-endpoint").or_else(|| defaults.endpoint.clone()),
            site: attr(element, "data-site").unwrap_or_else(|| defaults.site.clone()),
            cta: attr(element, "data-cta").unwrap_or_else(|| defaults.cta.clone()),
            config_url: attr(element, "data-config").or_else(|| defaults.config_url.clone()),
            lang: attr(element, "data-lang").or_else(|| defaults.lang.clone()),
            page_url: defaults.page_url.clone(),
        }
    }
}

/// Mounts a widget at every mount point of the page not mounted yet.
pub fn mount_all() -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let page_lang = document.document_element().and_then(|e| attr(&e, "lang"));
    let mut defaults =
        Embed { cta: "join".to_owned(), lang: page_lang, page_url: page_url(&document), ..Embed::default() };
    let scripts = document.query_selector_all(SCRIPTS)?;
    if let Some(first) = scripts.item(0).and_then(|n| n.dyn_into::<Element>().ok()) {
        defaults = Embed::read(&first, &defaults);
    }
    // One query for both kinds, so that widgets mount in page order (the first CTA of a site shows the
    // returning browser's summary). A script tag without `data-cta` only gives settings to the
    // `data-alumni-consent` elements (e.g. a CMS that puts the tag in the footer once).
    let points = document.query_selector_all(MOUNT_POINTS)?;
    for i in 0..points.length() {
        let Some(point) = points.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else { continue };
        let is_script = point.tag_name().eq_ignore_ascii_case("script");
        if point.has_attribute(MOUNTED) || (is_script && attr(&point, "data-cta").is_none()) {
            continue;
        }
        let embed = Embed::read(&point, &defaults);
        if is_script {
            point.set_attribute(MOUNTED, "")?;
            let host: HtmlElement = document.create_element("div")?.unchecked_into();
            point.after_with_node_1(&host)?;
            mount(&document, host, embed)?;
        } else {
            mount(&document, point, embed)?;
        }
    }
    Ok(())
}

/// Attaches an open shadow root with the stylesheet to `host`; returns the element to render into.
pub fn shadow_root(document: &Document, host: &HtmlElement) -> Result<HtmlElement, JsValue> {
    host.set_attribute(MOUNTED, "")?;
    host.class_list().add_1("alumni-consent")?;
    // Open, so that assistive tools and tests (axe-core) see inside.
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    style::adopt(document, &shadow)?;
    let root: HtmlElement = document.create_element("div")?.unchecked_into();
    root.set_class_name("root");
    shadow.append_child(&root)?;
    Ok(root)
}

/// Renders the widget of `embed` in a shadow root of `host`.
pub fn mount(document: &Document, host: HtmlElement, embed: Embed) -> Result<(), JsValue> {
    let root = shadow_root(document, &host)?;
    let target = root.clone();
    leptos::mount::mount_to(root, move || widget(&target, embed)).forget();
    Ok(())
}
