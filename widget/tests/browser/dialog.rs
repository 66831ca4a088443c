//! The dialog: focus moves in, Tab and Shift+Tab stay inside, Esc and the close button close it, focus returns
//! to the CTA.

use crate::support::{mount, settle};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{HtmlDialogElement, KeyboardEvent, KeyboardEventInit};

fn press(form: &crate::support::Mounted, key: &str, shift: bool) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    let target = form.shadow.active_element().expect("something has focus");
    target.dispatch_event(&event).unwrap();
}

fn dialog(form: &crate::support::Mounted) -> HtmlDialogElement {
    form.get("dialog").unchecked_into()
}

#[wasm_bindgen_test]
async fn opening_moves_focus_into_the_dialog() {
    let form = mount("join");
    settle().await;
    assert!(!dialog(&form).open());
    assert_eq!(form.get("button.cta").get_attribute("aria-haspopup").as_deref(), Some("dialog"));
    form.click("button.cta");
    assert!(dialog(&form).open());
    assert_eq!(form.focused(), "f-last_name");
    let title = form.get("#dialog-title").text_content().unwrap();
    assert_eq!(title, "Rejoindre la communauté alumni");
    assert_eq!(form.get("dialog").get_attribute("aria-labelledby").as_deref(), Some("dialog-title"));
}

#[wasm_bindgen_test]
async fn tab_wraps_around_inside_the_dialog() {
    let form = mount("join");
    settle().await;
    form.click("button.cta");
    // Last focusable: the submit button; Tab goes back to the first, the close button.
    form.focus("button.submit");
    let submit_focused = form.focused();
    assert_eq!(submit_focused, "submit");
    press(&form, "Tab", false);
    assert_eq!(form.focused(), "close");
    press(&form, "Tab", true);
    assert_eq!(form.focused(), "submit");
    assert!(dialog(&form).open());
}

#[wasm_bindgen_test]
async fn escape_closes_and_returns_focus_to_the_cta() {
    let form = mount("join");
    settle().await;
    form.click("button.cta");
    form.type_into("#f-last_name", "Curie");
    press(&form, "Escape", false);
    assert!(!dialog(&form).open());
    assert_eq!(form.focused(), "cta");
    // Reopening keeps what was typed.
    form.click("button.cta");
    assert_eq!(form.input("#f-last_name").value(), "Curie");
}

#[wasm_bindgen_test]
async fn the_close_button_closes_and_returns_focus_to_the_cta() {
    let form = mount("event");
    settle().await;
    form.click("button.cta");
    assert_eq!(form.get("button.close").get_attribute("aria-label").as_deref(), Some("Fermer"));
    form.click("button.close");
    assert!(!dialog(&form).open());
    assert_eq!(form.focused(), "cta");
}
