//! Finding where to mount (DESIGN §7): after each `<script … data-site data-cta>` that loads the bundle, and in
//! each `<div data-alumni-consent>`. Each mount point gets its own open Shadow DOM with the widget's stylesheet.
//!
//! Where the answers go is decided by the webmaster's `<script>` tag only (issue 12): comment or forum markup that
//! a sanitiser keeps (`data-*` survive DOMPurify's defaults) may add a `data-alumni-consent` element, so such an
//! element chooses its CTA and language and nothing else. The tags are those whose `src` is the module's own
//! address (`import.meta.url`), which the entry module lists in a registry ([`SCRIPTS`]): `document.currentScript`
//! is `null` in a module, also with `async`, and a selector on `src` would match a look-alike tag.

use crate::components::widget::widget;
use crate::style;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, ShadowRootInit, ShadowRootMode};

/// What one mount point asks for: the script tag's `data-*` attributes, and a mount point's CTA and language.
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
const MOUNT_POINTS: &str = "script[data-cta],[data-alumni-consent]";

/// The registry key (`globalThis[Symbol.for(SCRIPTS)]`) of the array of `<script>` elements that loaded the bundle,
/// filled by the entry module (`xtask/src/widget.rs`) from `import.meta.url`. A symbol, so that no element `id` of
/// the page can stand in for it (named elements become `window` properties, never symbol-keyed ones).
pub const SCRIPTS: &str = "alumni-consent.scripts";

/// The script tags that loaded the bundle, in page order, as the entry module found them; `None` when the module
/// was loaded without the entry module (the browser tests' harness), which then mounts nothing by itself.
pub fn own_scripts() -> Option<Vec<Element>> {
    let list = js_sys::Reflect::get(&js_sys::global(), &js_sys::Symbol::for_(SCRIPTS)).ok()?;
    let list = list.dyn_into::<js_sys::Array>().ok()?;
    Some(
        list.iter()
            .filter_map(|e| e.dyn_into::<Element>().ok())
            .filter(|e| e.tag_name().eq_ignore_ascii_case("script"))
            .collect(),
    )
}

fn attr(element: &Element, name: &str) -> Option<String> {
    element.get_attribute(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn page_url(document: &Document) -> String {
    document.location().and_then(|l| Some(l.origin().ok()? + &l.pathname().ok()?)).unwrap_or_default()
}

impl Embed {
    /// The settings of one of the bundle's own script tags, each falling back to `page` (the page's language,
    /// address and the `join` CTA).
    pub fn script(script: &Element, page: &Embed) -> Embed {
        Embed {
            endpoint: attr(script, "data-endpoint").or_else(|| page.endpoint.clone()),
            site: attr(script, "data-site").unwrap_or_else(|| page.site.clone()),
            config_url: attr(script, "data-config").or_else(|| page.config_url.clone()),
            ..Embed::mount_point(script, page)
        }
    }

    /// The settings of a mount point: its own CTA and language, everything else from `script` (the settings of
    /// the bundle's first script tag). A mount point's `data-endpoint`, `data-config` or `data-site` is ignored.
    pub fn mount_point(element: &Element, script: &Embed) -> Embed {
        Embed {
            cta: attr(element, "data-cta").unwrap_or_else(|| script.cta.clone()),
            lang: attr(element, "data-lang").or_else(|| script.lang.clone()),
            ..script.clone()
        }
    }
}

/// Mounts a widget at every mount point of the page not mounted yet.
pub fn mount_all() -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let page_lang = document.document_element().and_then(|e| attr(&e, "lang"));
    let page = Embed { cta: "join".to_owned(), lang: page_lang, page_url: page_url(&document), ..Embed::default() };
    let Some(scripts) = own_scripts() else { return Ok(()) };
    let Some(first) = scripts.first() else {
        // A redirect (the module's address is then the target's) or an `import()` from another script.
        return Err(JsValue::from_str(
            "alumni-consent: no <script type=\"module\"> of this page has the bundle's own address as its src",
        ));
    };
    let defaults = Embed::script(first, &page);
    // One query for both kinds, so that widgets mount in page order (the first CTA of a site shows the
    // returning browser's summary). A script tag without `data-cta` only gives settings to the
    // `data-alumni-consent` elements (e.g. a CMS that puts the tag in the footer once).
    let points = document.query_selector_all(MOUNT_POINTS)?;
    for i in 0..points.length() {
        let Some(point) = points.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else { continue };
        if point.has_attribute(MOUNTED) {
            continue;
        }
        let is_script = point.tag_name().eq_ignore_ascii_case("script");
        let embed = if is_script {
            // Only the bundle's own tags; any other `<script data-cta>` is not ours to read.
            let Some(own) = scripts.iter().find(|s| s.is_same_node(Some(&point))) else { continue };
            Embed::script(own, &page)
        } else {
            Embed::mount_point(&point, &defaults)
        };
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
