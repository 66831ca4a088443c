//! Reading the mount points' `data-*` attributes, with the script tag's settings as defaults.

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
