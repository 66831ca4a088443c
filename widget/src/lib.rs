//! The alumni consent widget: one `<script type="module">` tag puts a call to action and its consent form on
//! any page (DESIGN §7). Leptos 0.8 in client-side rendering, compiled to WebAssembly.
//!
//! The data's way: [`embed`] finds the mount points → [`components::widget`] loads the site's
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

/// Runs when the module loads: mounts every widget of the page.
#[wasm_bindgen(start)]
pub fn start() {
    // The test harness loads this module too; it mounts its own components.
    mount_reporting();
    // An `async` module may run before the parser reaches the mount points after its tag: mount those too, once
    // the document is parsed (a mount point is marked, so none is mounted twice).
    if let Some(document) = web_sys::window().and_then(|w| w.document())
        && document.ready_state() == "loading"
    {
        let again = Closure::once_into_js(mount_reporting);
        let _ = document.add_event_listener_with_callback("DOMContentLoaded", again.unchecked_ref());
    }
}

fn mount_reporting() {
    if let Err(error) = embed::mount_all() {
        web_sys::console::error_1(&error);
    }
}
