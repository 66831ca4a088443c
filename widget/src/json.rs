//! Reading the JSON the widget receives (the config, the collector's answers, the remembered record) with the
//! browser's own `JSON.parse`, into the `consent` types. serde_json's reader would put a parser and one
//! deserialiser per type into the bundle; here each type is read by a few lines over the parsed value. The
//! rules are serde's: unknown keys are ignored, a missing or `null` optional value is `None`, anything of the
//! wrong type refuses the whole document. Enumerations are read by their own serde names.

use consent::protocol::{CtaSpec, FieldError, FieldErrorCode, FieldSpec, PurposeSpec, WidgetConfig};
use consent::{CtaId, FieldId, Locale, Localized, PurposeId, SiteId};
use js_sys::{Array, JSON, Object, Reflect};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as ValueError, StrDeserializer};
use std::collections::BTreeMap;
use wasm_bindgen::{JsCast, JsValue};

/// A value read from a parsed JSON document; `None` when the document does not have its shape.
pub trait FromJson: Sized {
    /// Reads `value`.
    fn from_json(value: &JsValue) -> Option<Self>;
}

/// Parses `text` and reads it as `T`.
pub fn from_str<T: FromJson>(text: &str) -> Option<T> {
    T::from_json(&JSON::parse(text).ok()?)
}

/// The value under `key` of the object `value` (`undefined` when absent).
fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether `value` is absent (`undefined`) or `null`.
fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// An optional value: `None` when absent or `null`, else what `read` makes of it (which may refuse it).
fn optional<T>(value: JsValue, read: impl FnOnce(&JsValue) -> Option<T>) -> Option<Option<T>> {
    if absent(&value) { Some(None) } else { read(&value).map(Some) }
}

fn string(value: &JsValue) -> Option<String> {
    value.as_string()
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

fn boolean(value: &JsValue, key: &str) -> Option<bool> {
    get(value, key).as_bool()
}

/// An integer between `min` and `max`.
fn integer(value: &JsValue, min: f64, max: f64) -> Option<f64> {
    value.as_f64().filter(|n| n.fract() == 0.0 && (min..=max).contains(n))
}

/// An enumeration by its serde name (`"email"`, `"too_long"`, `"fr"`…).
fn variant<T: for<'a> Deserialize<'a>>(value: &JsValue) -> Option<T> {
    let name = value.as_string()?;
    let deserializer: StrDeserializer<ValueError> = name.as_str().into_deserializer();
    T::deserialize(deserializer).ok()
}

/// Every item of the array `value`, each read by `read` (loops rather than `collect`: one small copy per type).
fn list<T>(value: &JsValue, read: fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    let array = value.dyn_ref::<Array>()?;
    let mut items = Vec::new();
    for i in 0..array.length() {
        items.push(read(&array.get(i))?);
    }
    Some(items)
}

/// Every `(key, value)` of the object `value`, each value read by `read`, into `insert`.
fn entries<T>(value: &JsValue, read: fn(&JsValue) -> Option<T>, mut insert: impl FnMut(String, T)) -> Option<()> {
    if !value.is_object() || Array::is_array(value) {
        return None;
    }
    let pairs = Object::entries(value.unchecked_ref());
    for i in 0..pairs.length() {
        let pair: Array = pairs.get(i).unchecked_into();
        insert(pair.get(0).as_string()?, read(&pair.get(1))?);
    }
    Some(())
}

impl FromJson for Localized {
    /// A plain string (French) or `{ "fr": "…", "en": "…" }`, as `consent` reads it.
    fn from_json(value: &JsValue) -> Option<Localized> {
        let mut map = BTreeMap::new();
        if let Some(fr) = value.as_string() {
            map.insert(Locale::Fr, fr);
            return Some(Localized(map));
        }
        let mut known = true;
        entries(value, string, |locale, text| match variant(&JsValue::from_str(&locale)) {
            Some(locale) => {
                map.insert(locale, text);
            }
            None => known = false,
        })?;
        known.then_some(Localized(map))
    }
}

fn localized(value: &JsValue, key: &str) -> Option<Localized> {
    Localized::from_json(&get(value, key))
}

fn optional_localized(value: &JsValue, key: &str) -> Option<Option<Localized>> {
    optional(get(value, key), Localized::from_json)
}

impl FromJson for FieldSpec {
    fn from_json(value: &JsValue) -> Option<FieldSpec> {
        let year = |key| optional(get(value, key), |n| integer(n, i32::MIN.into(), i32::MAX.into()).map(|n| n as i32));
        Some(FieldSpec {
            id: FieldId(text(value, "id")?),
            kind: variant(&get(value, "kind"))?,
            label: localized(value, "label")?,
            required: boolean(value, "required")?,
            if_omitted: optional_localized(value, "if_omitted")?,
            min: year("min")?,
            max: year("max")?,
            max_length: integer(&get(value, "max_length"), 0.0, u32::MAX.into())? as u32,
        })
    }
}

impl FromJson for PurposeSpec {
    fn from_json(value: &JsValue) -> Option<PurposeSpec> {
        Some(PurposeSpec {
            id: PurposeId(text(value, "id")?),
            label: localized(value, "label")?,
            description: optional_localized(value, "description")?,
        })
    }
}

impl FromJson for CtaSpec {
    fn from_json(value: &JsValue) -> Option<CtaSpec> {
        Some(CtaSpec {
            id: CtaId(text(value, "id")?),
            label: localized(value, "label")?,
            purposes: list(&get(value, "purposes"), |p| p.as_string().map(PurposeId))?,
            service: optional_localized(value, "service")?,
        })
    }
}

impl FromJson for WidgetConfig {
    fn from_json(value: &JsValue) -> Option<WidgetConfig> {
        Some(WidgetConfig {
            v: integer(&get(value, "v"), 0.0, u32::MAX.into())? as u32,
            site: SiteId(text(value, "site")?),
            default_locale: variant(&get(value, "default_locale"))?,
            controller: text(value, "controller")?,
            privacy_url: text(value, "privacy_url")?,
            notice_version: text(value, "notice_version")?,
            first_layer: localized(value, "first_layer")?,
            fields: list(&get(value, "fields"), FieldSpec::from_json)?,
            purposes: list(&get(value, "purposes"), PurposeSpec::from_json)?,
            ctas: list(&get(value, "ctas"), CtaSpec::from_json)?,
            endpoint: optional(get(value, "endpoint"), string)?,
            receipt_key: optional(get(value, "receipt_key"), string)?,
        })
    }
}

impl FromJson for FieldError {
    fn from_json(value: &JsValue) -> Option<FieldError> {
        Some(FieldError { field: text(value, "field")?, code: variant::<FieldErrorCode>(&get(value, "code"))? })
    }
}

/// The choices of a record: purpose → ticked.
pub fn choices(value: &JsValue, key: &str) -> Option<BTreeMap<String, bool>> {
    let mut choices = BTreeMap::new();
    entries(&get(value, key), JsValue::as_bool, |purpose, ticked| {
        choices.insert(purpose, ticked);
    })?;
    Some(choices)
}

/// The text under `key`.
pub fn field(value: &JsValue, key: &str) -> Option<String> {
    text(value, key)
}

/// The list under `key`, empty when absent (serde's `#[serde(default)]`).
pub fn list_or_empty<T: FromJson>(value: &JsValue, key: &str) -> Option<Vec<T>> {
    optional(get(value, key), |items| list(items, T::from_json)).map(Option::unwrap_or_default)
}
