//! Arbitrary bytes → JSON → RFC 8785 canonical text: canonicalising is idempotent, `ensure_canonical` accepts
//! exactly the canonical texts, the canonical text means the same value as the input, and the widget's
//! integers-only canonicaliser writes the same bytes whenever it accepts a value.
#![no_main]

use consent::canonical::{canonicalize_str, ensure_canonical, to_canonical_string, to_canonical_string_integral};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        // Not JSON: the canonical helpers must refuse it too, without panicking.
        assert!(canonicalize_str(text).is_err());
        assert!(ensure_canonical(text).is_err());
        return;
    };
    let Ok(first) = to_canonical_string(&value) else {
        return;
    };
    let second = canonicalize_str(&first).expect("canonical text re-parses");
    assert_eq!(first, second, "canonicalisation is not idempotent for {text:?}");
    let reparsed = ensure_canonical(&first).expect("canonical text passes ensure_canonical");
    assert_eq!(to_canonical_string(&reparsed).ok().as_deref(), Some(first.as_str()));
    // ensure_canonical accepts the input iff it already is the canonical text.
    assert_eq!(ensure_canonical(text).is_ok(), text == first, "ensure_canonical disagrees on {text:?}");
    // The widget's smaller canonicaliser (safe integers only) must write exactly the same bytes when it accepts.
    if let Ok(integral) = to_canonical_string_integral(&value) {
        assert_eq!(integral, first, "to_canonical_string_integral differs on {text:?}");
    }
    // Same value: numbers may change form (1.0 → 1), so compare through the canonical text of each side only.
    if let Ok(v) = ensure_canonical(text) {
        assert_eq!(v, value);
    }
});
