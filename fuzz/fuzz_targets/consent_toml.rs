//! Arbitrary UTF-8 as `consent.toml`: parsing never panics; every diagnostic points inside the file (line and
//! column ≥ 1); a valid config renders its notice deterministically and yields a widget config.
#![no_main]

use consent::protocol::WidgetConfig;
use consent::{Config, Locale, Notice};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|src: &str| {
    match Config::from_toml_str(src, "consent.toml") {
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
            let lines = src.matches('\n').count() + 1;
            for d in &e.diagnostics {
                assert!(d.line >= 1 && d.column >= 1, "diagnostic at {}:{}", d.line, d.column);
                assert!(d.line <= lines, "diagnostic line {} past the end ({lines} lines)", d.line);
                assert!(!d.message.is_empty());
            }
            let _ = e.to_string();
        }
        Ok(config) => {
            let a = Notice::render(&config);
            let b = Notice::render(&config.clone());
            assert_eq!(a, b, "notice rendering is not deterministic");
            assert_eq!(a.version(), b.version());
            assert_eq!(a.canonical_bytes(), b.canonical_bytes());
            for locale in Locale::ALL {
                assert!(!a.first_layer(locale).is_empty());
                assert!(!a.second_layer(locale).is_empty());
            }
            let widget = WidgetConfig::from_config(&config, &a);
            let json = serde_json::to_string(&widget).expect("widget config serialises");
            assert!(!json.is_empty());
        }
    }
});
