//! Hostile host CSS cannot reach inside: `* { all: unset }` (even `!important`) leaves the widget styled.

use crate::support::{mount, settle};
use wasm_bindgen_test::wasm_bindgen_test;

fn computed(element: &web_sys::Element, property: &str) -> String {
    let window = web_sys::window().unwrap();
    window.get_computed_style(element).unwrap().unwrap().get_property_value(property).unwrap()
}

#[wasm_bindgen_test]
async fn hostile_page_css_does_not_break_the_widget() {
    let document = web_sys::window().unwrap().document().unwrap();
    let hostile = document.create_element("style").unwrap();
    hostile.set_text_content(Some(
        "* { all: unset !important; } div { display: inline !important; color: red !important; }",
    ));
    document.head().unwrap().append_child(&hostile).unwrap();

    let form = mount("join");
    settle().await;
    let host = form.shadow.host();
    assert_eq!(computed(&host, "display"), "block");
    let cta = form.get("button.cta");
    // The default accent, #1d4ed8, unless the page sets --ac-accent.
    assert_eq!(computed(&cta, "background-color"), "rgb(29, 78, 216)");
    assert_eq!(computed(&cta, "cursor"), "pointer");
    form.click("button.cta");
    assert_eq!(computed(&form.get(".field"), "display"), "flex");
    assert_ne!(computed(&form.get("label[for=f-email]"), "color"), "rgb(255, 0, 0)");
    hostile.remove();
}

#[wasm_bindgen_test]
async fn the_page_themes_the_widget_with_custom_properties() {
    let document = web_sys::window().unwrap().document().unwrap();
    let theme = document.create_element("style").unwrap();
    theme.set_text_content(Some(".alumni-consent { --ac-accent: #7a1f3d; }"));
    document.head().unwrap().append_child(&theme).unwrap();
    let form = mount("join");
    settle().await;
    assert_eq!(computed(&form.get("button.cta"), "background-color"), "rgb(122, 31, 61)");
    theme.remove();
}
