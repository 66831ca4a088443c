//! The alumni consent widget: one `<script type="module">` tag puts a call to action and its consent form on
//! any page (DESIGN §7). Leptos 0.8 in client-side rendering, compiled to WebAssembly, loaded by a small
//! hand-written module that draws the CTA first (`loader/alumni-consent.js`, see the README).
//!
//! The data's way: the loader hands each CTA over ([`mount`], [`embed`]) → [`components::widget`] loads the site's
//! `WidgetConfig` → [`components::cta_panel`] shows the CTA, the dialog and a returning browser's summary →
//! [`components::consent_form`] checks the answers with the `consent` crate's own rules ([`form_state`]) →
//! [`submit`] gets the [`device`] key (WebCrypto, kept in IndexedDB by [`idb`]), a challenge ([`api`]),
//! canonicalises and signs ([`seal`]), and posts with retries ([`deliver`]); [`records`] remembers the result.
//!
//! No cookie, no third-party request, no `eval`; styles live in a Shadow DOM ([`style`]); texts per locale in
//! [`i18n`].

pub mod api;
pub mod components;
pub mod deliver;
pub mod device;
pub mod dom;
pub mod embed;
pub mod form_state;
pub mod i18n;
pub mod idb;
pub mod json;
pub mod page;
pub mod records;
pub mod seal;
pub mod style;
pub mod submit;

use wasm_bindgen::prelude::*;

/// Called by the loader (`widget/loader/alumni-consent.js`) for each CTA it drew, in page order: `root` is the
/// `div.root` in the CTA's shadow root, `settings` what the script tag and the mount point ask for, `handoff` the
/// loader's record of the CTA (a click that came before the form is replayed).
#[wasm_bindgen]
pub fn mount(root: web_sys::HtmlElement, settings: JsValue, handoff: JsValue) {
    embed::mount(root, embed::Embed::from_settings(&settings), embed::Handoff::new(handoff));
}
