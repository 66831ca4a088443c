//! Browser tests of the widget, run by `wasm-bindgen-test` in headless Chromium (see `webdriver.json`):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p widget --target wasm32-unknown-unknown` from `widget/`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod dialog;
mod embed;
mod form;
mod json;
mod problems;
mod seen;
mod signing;
mod style;
mod support;
