//! The hand-over from the loader (`widget/loader/alumni-consent.js`, whose reading of the script tag and the mount
//! points — a mount point chooses only its CTA and language — the end-to-end tests check in Chromium and Firefox):
//! the settings, the CTA button it drew, a click that came before the form; and what the widgets of one page share.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlElement};
use widget::embed::Embed;

fn object(pairs: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in pairs {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value)).unwrap();
    }
    object.into()
}

#[wasm_bindgen_test]
fn the_settings_the_loader_hands_over_are_read_as_given() {
    // What the loader passes (widget/loader/alumni-consent.js): the script tag's endpoint, site and config, the
    // mount point's CTA and language; blanks are absent.
    let settings = object(&[
        ("endpoint", "http://127.0.0.1:8787"),
        ("site", "association-exemple"),
        ("cta", "event"),
        ("config", " "),
        ("lang", "en"),
        ("page", "http://127.0.0.1/article/"),
    ]);
    let embed = Embed::from_settings(&settings);
    assert_eq!(embed.endpoint.as_deref(), Some("http://127.0.0.1:8787"));
    assert_eq!(embed.site, "association-exemple");
    assert_eq!(embed.cta, "event");
    assert_eq!(embed.config_url, None, "a blank config address is none");
    assert_eq!(embed.lang.as_deref(), Some("en"));
    assert_eq!(embed.page_url, "http://127.0.0.1/article/");
    let bare = Embed::from_settings(&object(&[]));
    assert_eq!((bare.cta.as_str(), bare.endpoint), ("join", None), "the CTA is join by default");
}

/// Does what the loader does for one CTA: a shadow root, the CTA button drawn in `div.root > div.panel`, the
/// config's answer in the registry; then hands it over to the form with `clicked`.
async fn hand_over(clicked: bool) -> (web_sys::ShadowRoot, Element, JsValue) {
    let document = web_sys::window().unwrap().document().unwrap();
    let earlier = document.query_selector_all(".alumni-consent").unwrap();
    for i in 0..earlier.length() {
        earlier.item(i).unwrap().unchecked_into::<Element>().remove();
    }
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let root = widget::embed::shadow_root(&document, &host).unwrap();
    let panel = document.create_element("div").unwrap();
    panel.set_class_name("panel");
    let button: HtmlElement = document.create_element("button").unwrap().unchecked_into();
    button.set_class_name("cta");
    button.set_text_content(Some("Rejoindre la communauté alumni"));
    panel.append_child(&button).unwrap();
    root.append_child(&panel).unwrap();
    button.focus().unwrap();

    // Nothing listens on port 9: the config can only come from the registry.
    let address = "http://127.0.0.1:9/handoff/config.json";
    let json = serde_json::to_string(&crate::support::config()).unwrap();
    let registry = js_sys::Map::new();
    let answer = js_sys::Array::of2(&JsValue::from(200), &JsValue::from_str(&json));
    registry.set(&JsValue::from_str(address), &js_sys::Promise::resolve(&answer));
    js_sys::Reflect::set(&js_sys::global(), &js_sys::Symbol::for_(widget::api::PREFETCH), &registry).unwrap();
    let handoff = js_sys::Object::new();
    js_sys::Reflect::set(&handoff, &JsValue::from_str("clicked"), &JsValue::from_bool(clicked)).unwrap();
    let settings = object(&[
        ("endpoint", "http://127.0.0.1:9"),
        ("site", "association-exemple"),
        ("cta", "join"),
        ("config", address),
        ("lang", "fr"),
        ("page", "http://127.0.0.1/article/"),
    ]);
    widget::mount(root, settings, handoff.clone().into());
    for _ in 0..50 {
        crate::support::settle().await;
        if host.shadow_root().unwrap().query_selector("dialog").unwrap().is_some() {
            break;
        }
    }
    (host.shadow_root().unwrap(), button.into(), handoff.into())
}

#[wasm_bindgen_test]
async fn a_click_before_the_form_loaded_is_replayed_on_the_loaders_button() {
    let (shadow, button, handoff) = hand_over(true).await;
    let buttons = shadow.query_selector_all("button.cta").unwrap();
    assert_eq!(buttons.length(), 1, "the loader's button is kept, not drawn again");
    assert!(buttons.item(0).unwrap().is_same_node(Some(&button)));
    assert!(shadow.query_selector("dialog[open]").unwrap().is_some(), "the early click opened the dialog");
    let ready = js_sys::Reflect::get(&handoff, &JsValue::from_str("ready")).unwrap();
    assert_eq!(ready, JsValue::TRUE, "the loader is told that the form answers clicks now");
    let focused = shadow.active_element().unwrap();
    assert_eq!(focused.id(), "f-last_name", "focus moved into the dialog");
    // Closing gives focus back to the same button.
    shadow.query_selector("button.close").unwrap().unwrap().unchecked_into::<HtmlElement>().click();
    assert!(shadow.active_element().unwrap().is_same_node(Some(&button)));
}

#[wasm_bindgen_test]
async fn without_an_early_click_the_form_waits_for_one() {
    let (shadow, button, _) = hand_over(false).await;
    assert!(shadow.query_selector("dialog").unwrap().is_some(), "the form is built");
    assert!(shadow.query_selector("dialog[open]").unwrap().is_none(), "and not opened by itself");
    assert!(shadow.active_element().unwrap().is_same_node(Some(&button)), "focus stays on the CTA");
    button.unchecked_ref::<HtmlElement>().click();
    assert!(shadow.query_selector("dialog[open]").unwrap().is_some(), "the form's own listener opens it");
}

#[wasm_bindgen_test]
fn the_ctas_of_a_site_share_one_config_request_and_one_record() {
    let (config, fetches) = widget::page::config("/shared/config.json");
    let (same_config, fetches_again) = widget::page::config("/shared/config.json");
    assert!(fetches && !fetches_again, "one config request per address");
    config.set(Some(Err(())));
    assert!(matches!(same_config.get_untracked(), Some(Err(()))));

    let (record, shows_summary) = widget::page::record("shared-site");
    let (same_record, shows_again) = widget::page::record("shared-site");
    let (_, other_site) = widget::page::record("other-site");
    assert!(shows_summary && !shows_again && other_site, "one summary and one status request per site");
    let stored = widget::records::StoredRecord {
        record_id: "r1".into(),
        status: "pending".into(),
        choices: Default::default(),
        given_at: "2026-11-29T08:45:13Z".into(),
        updated_at: None,
    };
    record.set(Some(stored.clone()));
    assert_eq!(same_record.get_untracked(), Some(stored));
}

#[wasm_bindgen_test]
async fn a_config_the_entry_module_already_asked_for_is_taken_once() {
    // Nothing listens on port 9: a real request for this address fails, so a config can only come from the
    // registry the entry module fills (xtask/src/widget.rs).
    let address = "http://127.0.0.1:9/prefetched/config.json";
    let expected = crate::support::config();
    let json = serde_json::to_string(&expected).unwrap();
    let registry = js_sys::Map::new();
    let answer = js_sys::Array::of2(&wasm_bindgen::JsValue::from(200), &wasm_bindgen::JsValue::from_str(&json));
    registry.set(&wasm_bindgen::JsValue::from_str(address), &js_sys::Promise::resolve(&answer));
    js_sys::Reflect::set(&js_sys::global(), &js_sys::Symbol::for_(widget::api::PREFETCH), &registry).unwrap();

    let config: consent::protocol::WidgetConfig = widget::api::get_json(address).await.expect("the prefetched answer");
    assert_eq!(config.notice_version, expected.notice_version);
    assert_eq!(registry.size(), 0, "an answer is taken once");
    assert!(
        widget::api::get_json::<consent::protocol::WidgetConfig>(address).await.is_err(),
        "without an answer waiting, the widget asks the network itself"
    );
}

/// Settles with the request's result once it succeeds.
fn done(request: &web_sys::IdbRequest) -> js_sys::Promise {
    let request = request.clone();
    js_sys::Promise::new(&mut |resolve, reject| {
        let on_success = wasm_bindgen::closure::Closure::once_into_js(move || resolve.call0(&JsValue::NULL));
        let on_error = wasm_bindgen::closure::Closure::once_into_js(move || reject.call0(&JsValue::NULL));
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    })
}

async fn database_exists() -> bool {
    let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
    let databases: js_sys::Function = js_sys::Reflect::get(&factory, &"databases".into()).unwrap().unchecked_into();
    let list = databases.call0(&factory).unwrap().unchecked_into::<js_sys::Promise>();
    let list: js_sys::Array = wasm_bindgen_futures::JsFuture::from(list).await.unwrap().unchecked_into();
    list.iter().any(|db| js_sys::Reflect::get(&db, &"name".into()).unwrap() == "alumni-consent")
}

/// The loader loads the form at idle only where the form's database exists (it has a summary to show): reading
/// or deleting in a browser that never stored anything must not create it.
#[wasm_bindgen_test]
async fn reading_where_nothing_was_stored_leaves_no_database() {
    let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
    wasm_bindgen_futures::JsFuture::from(done(&factory.delete_database("alumni-consent").unwrap())).await.unwrap();
    assert!(!database_exists().await);
    assert!(widget::idb::get("probe").await.unwrap().is_undefined(), "nothing is stored");
    widget::idb::delete("probe").await.unwrap();
    assert!(!database_exists().await, "a read and a delete leave no database behind");
    widget::idb::put("probe", &JsValue::from_str("x")).await.unwrap();
    assert!(database_exists().await, "a write creates it");
    assert_eq!(widget::idb::get("probe").await.unwrap(), "x");
    widget::idb::delete("probe").await.unwrap();
}
