//! The accessible dialog around the form: modal, titled, focus kept inside (Tab and Shift+Tab wrap), Esc and
//! the close button close it, and focus returns to the CTA that opened it.

use crate::dom::{self, append, el, on, text_el};
use crate::i18n::strings;
use consent::Locale;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlDialogElement, HtmlElement, KeyboardEvent};

const FOCUSABLE: &str = "button:not([disabled]),input:not([disabled]):not([tabindex='-1']),a[href]";

/// The elements Tab visits inside `container`, in order (hidden ones left out).
pub fn focusables(container: &Element) -> Vec<HtmlElement> {
    let Ok(list) = container.query_selector_all(FOCUSABLE) else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some())
        .collect()
}

/// The focused element of the tree (shadow root or document) that holds `node`.
pub fn active_element(node: &Element) -> Option<Element> {
    let root = node.get_root_node();
    match root.dyn_into::<web_sys::ShadowRoot>() {
        Ok(shadow) => shadow.active_element(),
        Err(root) => root.dyn_into::<web_sys::Document>().ok()?.active_element(),
    }
}

/// Opens `dialog` modally and moves focus to its first input (or the confirmation once sent).
pub fn open(dialog: &Element) {
    let Some(dialog) = dialog.dyn_ref::<HtmlDialogElement>() else { return };
    if !dialog.open() {
        let _ = dialog.show_modal();
    }
    let first = dom::find(dialog, "form:not([hidden]) input, .success:not([hidden]) [tabindex]")
        .or_else(|| focusables(dialog).into_iter().next());
    if let Some(first) = first {
        let _ = first.focus();
    }
}

/// Closes `dialog` and gives focus back to the CTA.
pub fn close(dialog: &Element, cta: &Element) {
    if let Some(dialog) = dialog.dyn_ref::<HtmlDialogElement>() {
        dialog.close();
    }
    if let Some(cta) = cta.dyn_ref::<HtmlElement>() {
        let _ = cta.focus();
    }
}

/// Keeps Tab inside `dialog`: from the last element to the first, and back with Shift+Tab.
fn trap(event: &KeyboardEvent, dialog: &Element) {
    let items = focusables(dialog);
    let (Some(first), Some(last)) = (items.first(), items.last()) else { return };
    let active = active_element(dialog);
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    let is = |e: &HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(e)));
    let target =
        if event.shift_key() { (!inside || is(first)).then_some(last) } else { (!inside || is(last)).then_some(first) };
    if let Some(target) = target {
        event.prevent_default();
        let _ = target.focus();
    }
}

/// The dialog titled `title`, opened by `cta`; the caller appends its content.
pub fn dialog(title: &str, cta: &Element, locale: Locale) -> Element {
    let dialog = el("dialog", &[("class", "dialog"), ("aria-labelledby", "dialog-title")]);
    let head = el("div", &[("class", "head")]);
    let close_button =
        text_el("button", &[("type", "button"), ("class", "close"), ("aria-label", strings(locale).close)], "×");
    append(&head, &[&text_el("h2", &[("id", "dialog-title")], title), &close_button]);
    append(&dialog, &[&head]);
    let (d, c) = (dialog.clone(), cta.clone());
    on(&close_button, "click", Box::new(move |_| close(&d, &c)));
    let (d, c) = (dialog.clone(), cta.clone());
    on(
        &dialog,
        "keydown",
        Box::new(move |event| {
            let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
            match event.key().as_str() {
                "Escape" => {
                    // Handled here (not by the native `cancel`) so that focus always goes back to the CTA.
                    event.prevent_default();
                    close(&d, &c);
                }
                "Tab" => trap(event, &d),
                _ => {}
            }
        }),
    );
    dialog
}
