//! RFC 8785 (JSON Canonicalization Scheme): the one byte form that both signer and verifier hash.
//!
//! Numbers follow ECMAScript's `Number.prototype.toString`, keys are sorted by UTF-16 code units, strings
//! use the minimal escapes. The work is done by `serde_json_canonicalizer`; this module fixes the API the
//! rest of the kit uses and the checks a verifier needs.

use serde::Serialize;

/// Why a value could not be canonicalised or a text is not canonical.
#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    /// The value could not be serialised (e.g. a non-finite number).
    #[error("cannot canonicalise: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The text parsed, but is not in canonical form (key order, spaces, escapes or number form differ).
    #[error("the JSON text is not in RFC 8785 canonical form")]
    NotCanonical,
}

/// The canonical UTF-8 bytes of any serialisable value.
pub fn to_canonical_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    Ok(serde_json_canonicalizer::to_vec(value)?)
}

/// The canonical text of any serialisable value.
pub fn to_canonical_string<T: Serialize>(value: &T) -> Result<String, CanonicalError> {
    Ok(serde_json_canonicalizer::to_string(value)?)
}

/// The canonical text of a value whose numbers are all integers of at most 2^53 in magnitude, written without
/// the general number formatter and the key re-parsing of [`to_canonical_string`] (a much smaller WebAssembly
/// build: the widget's payloads hold only strings, booleans, maps and small integers). Same bytes as
/// [`to_canonical_string`] for such values; any other number is refused.
pub fn to_canonical_string_integral<T: Serialize>(value: &T) -> Result<String, CanonicalError> {
    let value = serde_json::to_value(value)?;
    let mut out = String::new();
    write_integral(&value, &mut out)?;
    Ok(out)
}

fn write_integral(value: &serde_json::Value, out: &mut String) -> Result<(), CanonicalError> {
    use serde_json::Value;
    const SAFE: u64 = 1 << 53;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) if u <= SAFE => out.push_str(&u.to_string()),
            (None, Some(i)) if i.unsigned_abs() <= SAFE => out.push_str(&i.to_string()),
            // Larger integers and fractions need ECMAScript's number formatting: `to_canonical_string`.
            _ => return Err(CanonicalError::Serialize(serde::ser::Error::custom("not a safe integer"))),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_integral(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            // RFC 8785 §3.2.3: keys sorted by their UTF-16 code units.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_integral(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A JSON string with RFC 8785's minimal escapes (those of ECMAScript's `JSON.stringify`).
fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Re-canonicalises a JSON text (parse, then write canonically).
pub fn canonicalize_str(json: &str) -> Result<String, CanonicalError> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    to_canonical_string(&value)
}

/// Checks that `json` is already canonical: a signed text must be exactly the bytes the verifier rebuilds.
pub fn ensure_canonical(json: &str) -> Result<serde_json::Value, CanonicalError> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    if to_canonical_string(&value)? == json { Ok(value) } else { Err(CanonicalError::NotCanonical) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(bits: u64) -> String {
        to_canonical_string(&f64::from_bits(bits)).unwrap()
    }

    #[test]
    fn the_integral_writer_matches_the_general_one() {
        let nasty = "€$\u{f}\nA'B\"\\\u{1}\u{1f}\u{7f}\u{8}\u{c}\r\t/ \u{10437}\u{e000}😀é";
        let value = serde_json::json!({
            "v": 1, "neg": -42, "max": 9007199254740992u64, "min": -9007199254740992i64, "t": true, "f": false,
            "n": null, "s": nasty, "a": [1, "x", [], {}], "\u{e000}": 1, "\u{10437}": 2, "Z": 3, "a\u{0}": 4,
            "nested": {"b": {"d": 1, "c": [true]}, "a": nasty},
        });
        assert_eq!(to_canonical_string_integral(&value).unwrap(), to_canonical_string(&value).unwrap());
        let map: std::collections::BTreeMap<String, bool> = [("jobs".into(), false), ("community".into(), true)].into();
        assert_eq!(to_canonical_string_integral(&map).unwrap(), to_canonical_string(&map).unwrap());
    }

    #[test]
    fn the_integral_writer_refuses_other_numbers() {
        assert!(to_canonical_string_integral(&1.5f64).is_err());
        assert!(to_canonical_string_integral(&9007199254740993u64).is_err());
        assert!(to_canonical_string_integral(&-9007199254740993i64).is_err());
    }

    /// RFC 8785 §3.2.2.3 and §3.2.3, verbatim.
    #[test]
    fn rfc_examples() {
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        assert_eq!(
            canonicalize_str(input).unwrap(),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        let sorting = r#"{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"}"#;
        let out = canonicalize_str(sorting).unwrap();
        let keys: Vec<&str> = ["\\r", "1", "\u{80}", "ö", "€", "😀", "\u{fb33}"].to_vec();
        let mut last = 0;
        for k in keys {
            let at = out.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("key {k} in {out}"));
            assert!(at >= last, "key {k} out of order in {out}");
            last = at;
        }
    }

    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript text.
    #[test]
    fn rfc_number_table() {
        let table: [(u64, &str); 14] = [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x4037000000000000, "23"),
        ];
        for (bits, text) in table {
            assert_eq!(number(bits), text, "bits {bits:#018x}");
        }
        assert!(to_canonical_string(&f64::NAN).is_err(), "NaN has no JSON form");
    }

    #[test]
    fn ensure_canonical_rejects_reordered_or_spaced() {
        assert!(ensure_canonical(r#"{"a":1,"b":[true]}"#).is_ok());
        assert!(matches!(ensure_canonical(r#"{"b":1,"a":2}"#), Err(CanonicalError::NotCanonical)));
        assert!(matches!(ensure_canonical(r#"{"a": 1}"#), Err(CanonicalError::NotCanonical)));
        assert!(matches!(ensure_canonical(r#"{"a":1.0}"#), Err(CanonicalError::NotCanonical)));
        assert!(ensure_canonical("{").is_err());
    }
}
