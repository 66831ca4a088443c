//! What the widgets of one page share: one config request per address, and per site one remembered record —
//! so a page with several CTAs sends one `status` request and shows one returning-browser summary.

use crate::records::StoredRecord;
use consent::protocol::WidgetConfig;
use leptos::prelude::*;
use std::cell::RefCell;
use std::sync::Arc;

/// A config being loaded (`None`), loaded, or failed.
pub type Loaded = Option<Result<Arc<WidgetConfig>, ()>>;

thread_local! {
    static CONFIGS: RefCell<Vec<(String, RwSignal<Loaded>)>> = const { RefCell::new(Vec::new()) };
    static RECORDS: RefCell<Vec<(String, RwSignal<Option<StoredRecord>>)>> = const { RefCell::new(Vec::new()) };
}

/// The entry of `key` in `table`, created if absent; true when this call created it (the caller then loads it).
fn entry<T: Send + Sync + 'static>(
    table: &RefCell<Vec<(String, RwSignal<T>)>>,
    key: &str,
    blank: impl FnOnce() -> T,
) -> (RwSignal<T>, bool) {
    let mut table = table.borrow_mut();
    // A widget removed from the page takes its signals with it: the next one starts afresh.
    table.retain(|(_, signal)| !signal.is_disposed());
    if let Some((_, signal)) = table.iter().find(|(k, _)| k == key) {
        return (*signal, false);
    }
    let signal = RwSignal::new(blank());
    table.push((key.to_owned(), signal));
    (signal, true)
}

/// The config at `address`; true for the first widget asking, which fetches it.
pub fn config(address: &str) -> (RwSignal<Loaded>, bool) {
    CONFIGS.with(|table| entry(table, address, || None))
}

/// The record remembered for `site`; true for the first widget of the site (in page order), which shows the
/// summary and asks the collector for the record's status.
pub fn record(site: &str) -> (RwSignal<Option<StoredRecord>>, bool) {
    RECORDS.with(|table| entry(table, site, || None))
}

/// Runs `react` now and again whenever a signal it reads changes (the widget's only effects: a config that
/// arrives, a record that changes). Not generic, so that Leptos' effect machinery exists once in the bundle.
pub fn watch(react: Box<dyn Fn()>) {
    Effect::new(move |_| react());
}
