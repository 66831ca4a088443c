//! The fuzz targets' properties (`fuzz/fuzz_targets/`), checked in every `cargo test` on the inputs that matter:
//! the edge cases the targets were seeded with and any input a fuzzer ever found failing (none so far: the
//! 10-minute runs of canonical_json, submission_verify and consent_toml found no crash or property violation).

use consent::canonical::{canonicalize_str, ensure_canonical, to_canonical_string};
use consent::protocol::{ActionPayload, SignedEnvelope, SubmissionPayload};
use consent::signature::open_envelope;
use consent::{Config, Locale, Notice};

/// `canonical_json`: canonicalising is idempotent, and `ensure_canonical` accepts exactly the canonical text.
fn canonical_property(text: &str) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        assert!(canonicalize_str(text).is_err(), "{text:?}");
        assert!(ensure_canonical(text).is_err(), "{text:?}");
        return;
    };
    let Ok(first) = to_canonical_string(&value) else { return };
    assert_eq!(canonicalize_str(&first).ok().as_deref(), Some(first.as_str()), "not idempotent: {text:?}");
    assert!(ensure_canonical(&first).is_ok(), "canonical text refused: {first:?}");
    assert_eq!(ensure_canonical(text).is_ok(), text == first, "ensure_canonical disagrees on {text:?}");
}

#[test]
fn canonical_json_edge_cases() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let inputs = [
        "",
        "{",
        "-0",
        "0",
        "-0.0",
        "1e400",
        "-1e400",
        "5e-324",
        "1.7976931348623157e308",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "9007199254740993",
        "1E30",
        "4.50",
        "0.000001",
        "1e-7",
        r#"{"a":1,"a":2}"#,
        r#"{"b":1,"a":2}"#,
        r#"{"a":1}"#,
        r#"{"\ud83d\ude00":1,"\u20ac":2,"\r":3}"#,
        r#""\ud800""#,
        r#""\udc00\ud800""#,
        r#""\u0000\u001f\u007f""#,
        "\"\u{2028}\u{2029}\"",
        r#""\/""#,
        "[1,2,]",
        " [1]",
        "[1] ",
        "\u{feff}[1]",
        "nul",
        "true",
        &deep,
    ];
    for input in inputs {
        canonical_property(input);
    }
}

fn sealed(text: String) -> SignedEnvelope {
    test_kit::Device::new(7).seal_text(text)
}

/// `submission_verify`, raw mode: any envelope opens or is refused, never panics.
#[test]
fn envelopes_that_must_not_panic() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let payloads = [
        String::new(),
        "{}".into(),
        r#"{"v":1}"#.into(),
        r#"{"v":2}"#.into(),
        r#"{"v":-1}"#.into(),
        r#"{"v":1e400}"#.into(),
        r#"{"v":4294967297}"#.into(),
        r#"{"v":"1"}"#.into(),
        r#"{"device_key":{"crv":"P-256","kty":"EC","x":"","y":""},"v":1}"#.into(),
        deep,
        "\"\\ud800\"".into(),
    ];
    let signatures = ["", "A", "AA==", "!!!!", &"A".repeat(86), &"_".repeat(86), &"A".repeat(4096)];
    for payload in &payloads {
        for signature in signatures {
            let env = SignedEnvelope { payload: payload.clone(), signature: signature.into(), hp: Some("x".into()) };
            assert!(open_envelope::<SubmissionPayload>(&env).is_err());
            assert!(open_envelope::<ActionPayload>(&env).is_err());
        }
        // Validly signed, still not a message.
        assert!(open_envelope::<SubmissionPayload>(&sealed(payload.clone())).is_err());
    }
}

/// `consent_toml`: errors point inside the file; valid configs render deterministically.
fn toml_property(src: &str) {
    match Config::from_toml_str(src, "consent.toml") {
        Err(e) => {
            assert!(!e.diagnostics.is_empty());
            let lines = src.matches('\n').count() + 1;
            for d in &e.diagnostics {
                assert!(d.line >= 1 && d.column >= 1 && d.line <= lines, "{d} in {src:?}");
            }
        }
        Ok(config) => {
            let a = Notice::render(&config);
            assert_eq!(a, Notice::render(&config));
            for locale in Locale::ALL {
                assert!(!a.first_layer(locale).is_empty());
            }
        }
    }
}

#[test]
fn consent_toml_edge_cases() {
    let example = include_str!("../../examples/association-exemple/consent.toml");
    let inputs = [
        String::new(),
        "\n\n\n".into(),
        "site = ".into(),
        "site = \"a\"\nsite = \"b\"".into(),
        "[controller\n".into(),
        "\u{feff}site = \"x\"".into(),
        "site = \"\u{202e}x\"\r\n".into(),
        "a = '''\n".into(),
        example.into(),
        example.replace("regime = \"association\"", "regime = \"school\""),
        example.replace("retention = { years = 2, from = \"last_activity\" }", "retention = { years = 0 }"),
        example.replace("[[ctas]]", "[[ctas]]\nid = \"join\""),
        example.replace("id = \"community\"", "id = \"\""),
        example.replace("purposes = [\"community\"]", "purposes = []"),
        example.trim_end_matches('\n').to_owned() + "\n[unknown]\nkey = 1",
        example[..example.len() / 2].to_owned(),
    ];
    for src in &inputs {
        toml_property(src);
    }
}
