//! What a returning browser remembers of its consent on a site: the record id, the choices and the date,
//! kept in IndexedDB next to the device key and refreshed from the collector with a signed `status`.

use crate::idb;
use crate::json::{self, FromJson};
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;

/// The browser's copy of its latest record on one site.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct StoredRecord {
    /// The collector's record id.
    pub record_id: String,
    /// `pending`, `confirmed`, `withdrawn`…
    pub status: String,
    /// Choice per purpose.
    pub choices: BTreeMap<String, bool>,
    /// When consent was given, RFC 3339.
    pub given_at: String,
    /// The record's last change (a withdrawal's date), RFC 3339; absent in copies kept by older versions.
    pub updated_at: Option<String>,
}

impl Clone for StoredRecord {
    /// The choices are copied by `insert`, which the bundle has anyway, rather than by `BTreeMap`'s own clone
    /// (a second copy of the tree code for one map type).
    fn clone(&self) -> Self {
        let mut choices = BTreeMap::new();
        for (purpose, &ticked) in &self.choices {
            choices.insert(purpose.clone(), ticked);
        }
        StoredRecord {
            record_id: self.record_id.clone(),
            status: self.status.clone(),
            choices,
            given_at: self.given_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}

impl From<consent::protocol::RecordView> for StoredRecord {
    fn from(view: consent::protocol::RecordView) -> Self {
        StoredRecord {
            record_id: view.record_id.0,
            status: view.status,
            choices: view.choices,
            given_at: view.given_at,
            updated_at: Some(view.updated_at),
        }
    }
}

impl FromJson for StoredRecord {
    /// The remembered copy, or the collector's `RecordView` (its other fields are skipped).
    fn from_json(value: &JsValue) -> Option<StoredRecord> {
        Some(StoredRecord {
            record_id: json::field(value, "record_id")?,
            status: json::field(value, "status")?,
            choices: json::choices(value, "choices")?,
            given_at: json::field(value, "given_at")?,
            updated_at: json::field(value, "updated_at"),
        })
    }
}

fn key(site: &str) -> String {
    let mut key = String::from("record:");
    key.push_str(site);
    key
}

/// The record remembered for `site`, if any.
pub async fn load(site: &str) -> Option<StoredRecord> {
    let value = idb::get(&key(site)).await.ok()?.as_string()?;
    json::from_str(&value)
}

/// Remembers `record` for `site`.
pub async fn save(site: &str, record: &StoredRecord) -> Result<(), JsValue> {
    // The payloads' canonical writer, already in the bundle, instead of a second JSON serialiser.
    let text = consent::canonical::to_canonical_string_integral(record).map_err(|_| JsValue::from_str("serialise"))?;
    idb::put(&key(site), &JsValue::from_str(&text)).await
}

/// Forgets the record of `site` (the collector no longer knows it).
pub async fn forget(site: &str) -> Result<(), JsValue> {
    idb::delete(&key(site)).await
}
