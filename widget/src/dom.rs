//! Building the widget's markup with the browser's own DOM calls. Leptos mounts each widget and holds the state
//! the widgets of a page share; inside a widget the markup is built once by these few non-generic functions and
//! updated by hand where it changes, which keeps the bundle small (each `view!` and reactive closure is a
//! separate copy of Leptos' rendering code in the WebAssembly).
//!
//! Texts always go through `textContent` and attribute values through `setAttribute`: markup in the config
//! stays text.

use leptos::prelude::document;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, UnwrapThrowExt};
use web_sys::{Element, Event, EventTarget, HtmlElement};

/// A new `tag` element with the attributes `attrs` (name, value).
pub fn el(tag: &str, attrs: &[(&str, &str)]) -> Element {
    let element = document().create_element(tag).unwrap_throw();
    for (name, value) in attrs {
        let _ = element.set_attribute(name, value);
    }
    element
}

/// A new `tag` element with the attributes `attrs` and the text `text`.
pub fn text_el(tag: &str, attrs: &[(&str, &str)], text: &str) -> Element {
    let element = el(tag, attrs);
    element.set_text_content(Some(text));
    element
}

/// Appends `children` to `parent`, in order.
pub fn append(parent: &Element, children: &[&Element]) {
    for child in children {
        let _ = parent.append_child(child);
    }
}

/// Sets attribute `name` to `value`, or removes it for `None`.
pub fn set_attr(element: &Element, name: &str, value: Option<&str>) {
    let _ = match value {
        Some(value) => element.set_attribute(name, value),
        None => element.remove_attribute(name),
    };
}

/// Shows or hides `element` (the `hidden` attribute).
pub fn hide(element: &Element, hidden: bool) {
    set_attr(element, "hidden", hidden.then_some(""));
}

/// Sets the text of `element` when it differs (a live region re-reads only real changes).
pub fn set_text(element: &Element, text: &str) {
    if element.text_content().as_deref() != Some(text) {
        element.set_text_content(Some(text));
    }
}

/// Calls `handler` on each `event` of `target`, for the page's lifetime.
pub fn on(target: &EventTarget, event: &str, handler: Box<dyn FnMut(Event)>) {
    let handler = Closure::wrap(handler).into_js_value();
    let _ = target.add_event_listener_with_callback(event, handler.unchecked_ref());
}

/// The first element under `root` matching `selector`.
pub fn find(root: &Element, selector: &str) -> Option<HtmlElement> {
    root.query_selector(selector).ok().flatten()?.dyn_into().ok()
}

/// Moves focus to the first element under `root` matching `selector`, if any.
pub fn focus(root: &Element, selector: &str) {
    if let Some(element) = find(root, selector) {
        let _ = element.focus();
    }
}

/// Whether the checkbox or input `element` is ticked.
pub fn checked(element: &Element) -> bool {
    element.dyn_ref::<web_sys::HtmlInputElement>().is_some_and(|i| i.checked())
}

/// The value of the input `element`.
pub fn value(element: &Element) -> String {
    element.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}
