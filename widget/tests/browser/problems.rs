//! Every problem+json `type` of the collector maps to its own message, in French and in English.

use consent::Locale;
use consent::protocol::{Problem, ProblemType};
use wasm_bindgen_test::wasm_bindgen_test;
use widget::api::{ApiError, interpret};

#[wasm_bindgen_test]
fn each_problem_type_is_recognised_from_its_body() {
    for &kind in ProblemType::ALL {
        let body = serde_json::to_string(&Problem::new(kind, Locale::En)).unwrap();
        match interpret::<serde_json::Value>(kind.status(), &body) {
            Err(ApiError::Problem(found, _)) => assert_eq!(found, kind),
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[wasm_bindgen_test]
fn each_problem_type_has_a_distinct_message_per_locale() {
    for locale in [Locale::Fr, Locale::En] {
        let mut seen = std::collections::HashSet::new();
        for &kind in ProblemType::ALL {
            let message = kind.message(locale);
            assert!(!message.is_empty());
            assert!(seen.insert(message), "{kind:?} shares its message in {locale}");
        }
    }
}

#[wasm_bindgen_test]
fn unknown_answers_are_unexpected_not_misread() {
    let other = r#"{"type":"about:blank","title":"Bad Gateway","status":502}"#;
    assert_eq!(interpret::<serde_json::Value>(502, other).unwrap_err(), ApiError::Unexpected(502));
    assert_eq!(interpret::<serde_json::Value>(500, "<html>proxy</html>").unwrap_err(), ApiError::Unexpected(500));
    assert_eq!(interpret::<serde_json::Value>(200, "{\"a\":1}").unwrap()["a"], 1);
}
