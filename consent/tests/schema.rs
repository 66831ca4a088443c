#![cfg(not(target_arch = "wasm32"))]
//! The JSON Schema editors use agrees with the parser: the examples pass both, `default = true` fails both.

use consent::Config;

fn schema() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(include_str!("../consent.schema.json")).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn as_json(toml_src: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(toml_src).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn examples_pass_schema_and_parser() {
    let v = schema();
    for src in [
        include_str!("../../examples/association-exemple/consent.toml"),
        include_str!("../../examples/ecole-exemple/consent.toml"),
    ] {
        let errors: Vec<String> = v.iter_errors(&as_json(src)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        Config::from_toml_str(src, "consent.toml").unwrap();
    }
}

#[test]
fn mistakes_fail_schema_and_parser() {
    let v = schema();
    let good = include_str!("../../examples/association-exemple/consent.toml");
    for bad in [
        good.replacen("id = \"jobs\"", "id = \"jobs\"\ndefault = true", 1),
        good.replacen("regime = \"association\"", "regime = \"club\"", 1),
        good.replacen("retention = { years = 1, from = \"last_activity\" }", "", 1),
        good.replacen("recipients = [\"association\", \"partners\", \"processors\"]", "recipients = []", 1),
    ] {
        assert!(!v.is_valid(&as_json(&bad)), "schema accepted:\n{bad}");
        assert!(Config::from_toml_str(&bad, "consent.toml").is_err(), "parser accepted:\n{bad}");
    }
}
