//! The widget's stylesheet, applied inside each shadow root. A constructable stylesheet is used where the
//! browser has one, so that a page's `style-src` CSP needs no `'unsafe-inline'`; older browsers get a
//! `<style>` element (then `style-src 'unsafe-inline'` or the stylesheet's hash is needed).

use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, Document, ShadowRoot};

/// The CSS, themable from the page with `--ac-*` custom properties, which cross the shadow boundary (see
/// `examples/embed/README.md`), e.g. `.alumni-consent { --ac-accent: #7a1f3d; --ac-font: Georgia, serif; }`.
/// `all: initial !important` on `:host` wins over any page rule (important declarations of the inner tree win), so
/// `* { all: unset }` on the page cannot reach inside. The file has no comments: they would travel in the bundle.
pub const CSS: &str = include_str!("widget.css");

thread_local! {
    // One sheet shared by every widget of the page.
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

fn sheet() -> Option<CssStyleSheet> {
    SHEET.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            let sheet = CssStyleSheet::new().ok()?;
            sheet.replace_sync(CSS).ok()?;
            *cell = Some(sheet);
        }
        cell.clone()
    })
}

/// Applies the stylesheet to `shadow`.
pub fn adopt(document: &Document, shadow: &ShadowRoot) -> Result<(), JsValue> {
    if let Some(sheet) = sheet() {
        shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        return Ok(());
    }
    let style = document.create_element("style")?;
    style.set_text_content(Some(CSS));
    shadow.append_child(style.unchecked_ref())?;
    Ok(())
}
