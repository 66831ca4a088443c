//! Reading the script tag's and the mount points' `data-*` attributes (a mount point chooses only its CTA and
//! language), and what the widgets of one page share.

use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;
use widget::embed::Embed;

#[wasm_bindgen_test]
fn a_mount_point_chooses_its_cta_and_language_and_nothing_else() {
    let document = web_sys::window().unwrap().document().unwrap();
    let script = document.create_element("script").unwrap();
    script.set_attribute("data-endpoint", "http://127.0.0.1:8787").unwrap();
    script.set_attribute("data-site", "association-exemple").unwrap();
    script.set_attribute("data-cta", "join").unwrap();
    let page = Embed { cta: "join".into(), lang: Some("fr".into()), ..Embed::default() };
    let defaults = Embed::script(&script, &page);
    assert_eq!(defaults.endpoint.as_deref(), Some("http://127.0.0.1:8787"));
    assert_eq!(defaults.site, "association-exemple");
    assert_eq!(defaults.config_url, None);

    // What a comment sanitiser keeps: every `data-*` attribute.
    let div = document.create_element("div").unwrap();
    div.set_attribute("data-alumni-consent", "").unwrap();
    div.set_attribute("data-cta", "event").unwrap();
    div.set_attribute("data-lang", "en").unwrap();
    div.set_attribute("data-endpoint", "https://evil.example").unwrap();
    div.set_attribute("data-config", "https://evil.example/config.json").unwrap();
    div.set_attribute("data-site", "evil").unwrap();
    let embed = Embed::mount_point(&div, &defaults);
    assert_eq!(embed.cta, "event");
    assert_eq!(embed.lang.as_deref(), Some("en"));
    assert_eq!(embed.endpoint.as_deref(), Some("http://127.0.0.1:8787"), "the endpoint is the script tag's");
    assert_eq!(embed.config_url, None, "the config address is the script tag's");
    assert_eq!(embed.site, "association-exemple");

    let bare = document.create_element("div").unwrap();
    assert_eq!(Embed::mount_point(&bare, &defaults).cta, "join");
}

#[wasm_bindgen_test]
fn only_the_bundles_own_script_tags_are_read() {
    // The harness loads the module without the entry module: no registry, so nothing mounts by itself.
    let key = js_sys::Symbol::for_(widget::embed::SCRIPTS);
    let global = js_sys::global();
    let _ = js_sys::Reflect::delete_property(&global, &key);
    assert!(widget::embed::own_scripts().is_none());
    let document = web_sys::window().unwrap().document().unwrap();
    let own = document.create_element("script").unwrap();
    let div = document.create_element("div").unwrap();
    let list = js_sys::Array::of2(&own, &div);
    js_sys::Reflect::set(&global, &key, &list).unwrap();
    let found = widget::embed::own_scripts().unwrap();
    assert_eq!(found.len(), 1, "only script elements count");
    assert!(found[0].is_same_node(Some(&own)));
    js_sys::Reflect::delete_property(&global, &key).unwrap();
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
