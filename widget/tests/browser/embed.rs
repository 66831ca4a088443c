//! Reading the mount points' `data-*` attributes, with the script tag's settings as defaults, and what the
//! widgets of one page share.

use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;
use widget::embed::Embed;

#[wasm_bindgen_test]
fn a_div_takes_the_script_settings_unless_it_has_its_own() {
    let document = web_sys::window().unwrap().document().unwrap();
    let script = document.create_element("script").unwrap();
    script.set_attribute("data-endpoint", "http://127.0.0.1:8787").unwrap();
    script.set_attribute("data-site", "association-exemple").unwrap();
    script.set_attribute("data-cta", "join").unwrap();
    let base = Embed { cta: "join".into(), lang: Some("fr".into()), ..Embed::default() };
    let defaults = Embed::read(&script, &base);
    assert_eq!(defaults.endpoint.as_deref(), Some("http://127.0.0.1:8787"));
    assert_eq!(defaults.site, "association-exemple");

    let div = document.create_element("div").unwrap();
    div.set_attribute("data-alumni-consent", "").unwrap();
    div.set_attribute("data-cta", "event").unwrap();
    div.set_attribute("data-lang", "en").unwrap();
    div.set_attribute("data-config", "/widget/config.json").unwrap();
    let embed = Embed::read(&div, &defaults);
    assert_eq!(embed.cta, "event");
    assert_eq!(embed.lang.as_deref(), Some("en"));
    assert_eq!(embed.config_url.as_deref(), Some("/widget/config.json"));
    assert_eq!(embed.site, "association-exemple");
    assert_eq!(embed.endpoint.as_deref(), Some("http://127.0.0.1:8787"));

    let bare = document.create_element("div").unwrap();
    assert_eq!(Embed::read(&bare, &defaults).cta, "join");
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
