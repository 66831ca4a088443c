//! The accessible dialog around the form: modal, titled, focus kept inside (Tab and Shift+Tab wrap), Esc and
//! the close button close it, and focus returns to the CTA that opened it.

use crate::i18n::strings;
use consent::Locale;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

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

/// Opens the dialog modally and moves focus to its first input.
pub fn open(dialog: NodeRef<html::Dialog>) {
    let Some(dialog) = dialog.get() else { return };
    if !dialog.open() {
        let _ = dialog.show_modal();
    }
    let first = dialog.query_selector("form:not([hidden]) input, .success:not([hidden]) [tabindex]").ok().flatten();
    if let Some(Ok(first)) =
        first.or_else(|| focusables(&dialog).into_iter().next().map(Into::into)).map(|f| f.dyn_into::<HtmlElement>())
    {
        let _ = first.focus();
    }
}

/// Closes the dialog and gives focus back to the CTA.
pub fn close(dialog: NodeRef<html::Dialog>, cta: NodeRef<html::Button>) {
    if let Some(dialog) = dialog.get() {
        dialog.close();
    }
    if let Some(cta) = cta.get() {
        let _ = cta.focus();
    }
}

/// Keeps Tab inside `dialog`: from the last element to the first, and back with Shift+Tab.
fn trap(event: &web_sys::KeyboardEvent, dialog: &Element) {
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

/// The dialog titled `title`, holding `children`.
#[component]
pub fn ConsentDialog(
    dialog_ref: NodeRef<html::Dialog>,
    cta_ref: NodeRef<html::Button>,
    title: String,
    locale: Locale,
    children: Children,
) -> impl IntoView {
    let on_keydown = move |event: web_sys::KeyboardEvent| match event.key().as_str() {
        "Escape" => {
            // Handled here (not by the native `cancel`) so that focus always goes back to the CTA.
            event.prevent_default();
            close(dialog_ref, cta_ref);
        }
        "Tab" => {
            if let Some(dialog) = dialog_ref.get() {
                trap(&event, &dialog);
            }
        }
        _ => {}
    };
    view! {
        <dialog node_ref=dialog_ref class="dialog" aria-labelledby="dialog-title" on:keydown=on_keydown>
            <div class="head">
                <h2 id="dialog-title">{title}</h2>
                <button
                    type="button"
                    class="close"
                    aria-label=strings(locale).close
                    on:click=move |_| close(dialog_ref, cta_ref)
                >
                    "×"
                </button>
            </div>
            {children()}
        </dialog>
    }
}
