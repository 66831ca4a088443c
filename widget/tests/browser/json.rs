//! The widget reads the collector's JSON with the browser's `JSON.parse` (no serde_json reader in the bundle):
//! every document reads back to what serde wrote, and a document of the wrong shape is refused.

use crate::support::{config, config_from};
use consent::protocol::ProblemType;
use consent::protocol::{FieldError, FieldErrorCode, RecordView, WidgetConfig};
use consent::{Locale, Localized, RecordId};
use wasm_bindgen_test::wasm_bindgen_test;
use widget::api::{ApiError, Challenge, interpret};
use widget::json::from_str;
use widget::records::StoredRecord;

#[wasm_bindgen_test]
fn the_configs_of_both_examples_read_back_as_written() {
    let ecole = config_from(include_str!("../../../examples/ecole-exemple/consent.toml"));
    for mut written in [config(), ecole] {
        written.receipt_key = Some("key".into());
        let text = serde_json::to_string(&written).unwrap();
        assert_eq!(from_str::<WidgetConfig>(&text), Some(written.clone()));
        // `null` and absent optional values are both `None`, as serde reads them.
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["receipt_key"] = serde_json::Value::Null;
        value.as_object_mut().unwrap().remove("endpoint");
        written.receipt_key = None;
        written.endpoint = None;
        assert_eq!(from_str::<WidgetConfig>(&value.to_string()), Some(written));
    }
}

#[wasm_bindgen_test]
fn a_config_of_the_wrong_shape_is_refused() {
    let text = serde_json::to_string(&config()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let broken = [
        ("v", serde_json::json!(-1)),
        ("v", serde_json::json!("1")),
        ("site", serde_json::json!(3)),
        ("default_locale", serde_json::json!("de")),
        ("first_layer", serde_json::json!({"de": "Hallo"})),
        ("first_layer", serde_json::json!(["Bonjour"])),
        ("fields", serde_json::json!({})),
        ("ctas", serde_json::json!([{"id": "join", "label": "Rejoindre"}])),
    ];
    for (key, bad) in broken {
        let mut value = value.clone();
        value[key] = bad.clone();
        assert_eq!(from_str::<WidgetConfig>(&value.to_string()), None, "{key}: {bad}");
    }
    let mut value = value.clone();
    value["fields"][0]["kind"] = serde_json::json!("phone");
    assert_eq!(from_str::<WidgetConfig>(&value.to_string()), None);
    value.as_object_mut().unwrap().remove("notice_version");
    assert_eq!(from_str::<WidgetConfig>(&value.to_string()), None);
    assert_eq!(from_str::<WidgetConfig>("<html>"), None);
}

#[wasm_bindgen_test]
fn a_text_is_a_string_taken_as_french_or_a_table_per_locale() {
    assert_eq!(from_str::<Localized>(r#""Bonjour""#), Some(Localized([(Locale::Fr, "Bonjour".into())].into())));
    assert_eq!(from_str::<Localized>(r#"{"en":"Hello","fr":"Bonjour"}"#), Some(Localized::new("Bonjour", "Hello")));
    assert_eq!(from_str::<Localized>(r#"{"fr":3}"#), None);
}

#[wasm_bindgen_test]
fn records_challenges_and_problems_are_read_like_serde_reads_them() {
    let view = RecordView {
        record_id: RecordId("rec_1".into()),
        status: "confirmed".into(),
        choices: [("community".to_owned(), true), ("jobs".to_owned(), false)].into(),
        given_at: "2026-11-29T08:45:13Z".into(),
        updated_at: "2026-11-29T09:00:00Z".into(),
        notice_version: "abc".into(),
    };
    let record = from_str::<StoredRecord>(&serde_json::to_string(&view).unwrap());
    assert_eq!(record, Some(StoredRecord::from(view)));
    assert_eq!(
        from_str::<StoredRecord>(r#"{"record_id":"r","status":"pending","choices":{"a":1},"given_at":"x"}"#),
        None
    );

    let challenge = from_str::<Challenge>(r#"{"token":"t.k","exp":1764400000}"#).map(|c| c.token);
    assert_eq!(challenge.as_deref(), Some("t.k"));

    let errors = vec![FieldError { field: "promo".into(), code: FieldErrorCode::TooLong }];
    let body = serde_json::json!({"type": ProblemType::InvalidField.uri(), "status": 422, "errors": errors});
    match interpret::<serde_json::Value>(422, &body.to_string()) {
        Err(ApiError::Problem(ProblemType::InvalidField, found)) => assert_eq!(found, errors),
        other => panic!("{other:?}"),
    }
    // A problem without `errors` has none; `errors` of the wrong shape make it unexpected.
    let body = serde_json::json!({"type": ProblemType::Internal.uri(), "status": 500});
    assert_eq!(
        interpret::<serde_json::Value>(500, &body.to_string()),
        Err(ApiError::Problem(ProblemType::Internal, vec![]))
    );
    let body =
        serde_json::json!({"type": ProblemType::InvalidField.uri(), "errors": [{"field": "promo", "code": "odd"}]});
    assert_eq!(interpret::<serde_json::Value>(422, &body.to_string()), Err(ApiError::Unexpected(422)));
}
