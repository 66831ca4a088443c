//! A tiny key-value store over IndexedDB (database `alumni-consent`, store `kv`), per embedding origin.
//!
//! IndexedDB can hold a non-extractable `CryptoKey` (structured clone), which is why the device key lives
//! here and not in `localStorage`. No cookie is ever written.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB_NAME: &str = "alumni-consent";
const STORE: &str = "kv";

/// Turns an `IDBRequest` into a promise of its result.
fn settle(request: &IdbRequest) -> Promise {
    Promise::new(&mut |resolve, reject| {
        let done = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move |event: web_sys::Event| {
            // Let the caller decide (e.g. `add` on an existing key is expected when two widgets race).
            event.prevent_default();
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("indexeddb"));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    })
}

/// The database, or `None` when it does not exist and `create` is false: reading or deleting in a browser that never
/// stored anything here leaves no database behind, so that its existence tells the loader
/// (`widget/loader/alumni-consent.js`) that this browser keeps a key or a record here and has a summary to show.
async fn open(create: bool) -> Result<Option<IdbDatabase>, JsValue> {
    let factory = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .indexed_db()?
        .ok_or_else(|| JsValue::from_str("no indexeddb"))?;
    let request = factory.open_with_u32(DB_NAME, 1)?;
    let upgrading = request.clone();
    let missing = std::rc::Rc::new(std::cell::Cell::new(false));
    let absent = missing.clone();
    // Version 1 is the only one: an upgrade means the database is new.
    let on_upgrade = Closure::once_into_js(move || {
        if !create {
            // Aborting the creation's own transaction deletes the new database again.
            absent.set(true);
            if let Some(transaction) = upgrading.transaction() {
                let _ = transaction.abort();
            }
        } else if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    match JsFuture::from(settle(&request)).await {
        Ok(db) => Ok(Some(db.dyn_into::<IdbDatabase>()?)),
        Err(_) if missing.get() => Ok(None),
        Err(error) => Err(error),
    }
}

/// One request on the store; an enum rather than a closure so that [`run`]'s async code exists once.
enum Op<'a> {
    Get,
    Put(&'a JsValue),
    Add(&'a JsValue),
    Delete,
}

async fn run(key: &str, op: Op<'_>) -> Result<JsValue, JsValue> {
    let writes = matches!(op, Op::Put(_) | Op::Add(_));
    // Nothing stored yet: nothing to read or delete.
    let Some(db) = open(writes).await? else { return Ok(JsValue::UNDEFINED) };
    let mode = if matches!(op, Op::Get) { IdbTransactionMode::Readonly } else { IdbTransactionMode::Readwrite };
    let store = db.transaction_with_str_and_mode(STORE, mode)?.object_store(STORE)?;
    let key = JsValue::from_str(key);
    let request = match op {
        Op::Get => store.get(&key),
        Op::Put(value) => store.put_with_key(value, &key),
        Op::Add(value) => store.add_with_key(value, &key),
        Op::Delete => store.delete(&key),
    };
    let result = match request {
        Ok(request) => JsFuture::from(settle(&request)).await,
        Err(error) => Err(error),
    };
    db.close();
    result
}

/// The value under `key`, `undefined` when absent.
pub async fn get(key: &str) -> Result<JsValue, JsValue> {
    run(key, Op::Get).await
}

/// Stores `value` under `key`, replacing any previous value.
pub async fn put(key: &str, value: &JsValue) -> Result<(), JsValue> {
    run(key, Op::Put(value)).await.map(drop)
}

/// Stores `value` under `key` only if the key is free; fails otherwise.
pub async fn add(key: &str, value: &JsValue) -> Result<(), JsValue> {
    run(key, Op::Add(value)).await.map(drop)
}

/// Removes `key`.
pub async fn delete(key: &str) -> Result<(), JsValue> {
    run(key, Op::Delete).await.map(drop)
}
