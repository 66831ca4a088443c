//! Arbitrary UTF-8 as a Markdown source with TOML front matter, through site-kit's own splitter and parser
//! (`site-kit/src/content/front_matter.rs`, compiled here from source because site-kit keeps it private):
//! no panic; the split offsets point back into the source; every error points inside the file (line and
//! column ≥ 1, line ≤ the number of lines).
#![no_main]

#[allow(dead_code, unreachable_pub)]
#[path = "../../site-kit/src/error.rs"]
mod error;
#[allow(dead_code, unreachable_pub)]
#[path = "../../site-kit/src/content/front_matter.rs"]
mod front_matter;

use error::Located;
use libfuzzer_sys::fuzz_target;

fn check_location(src: &str, e: &Located) {
    let lines = src.matches('\n').count() + 1;
    assert!(e.line >= 1 && e.column >= 1, "error at {}:{}", e.line, e.column);
    assert!(e.line <= lines, "error line {} past the end ({lines} lines)", e.line);
    assert!(!e.message.is_empty());
    let _ = e.to_string();
}

fuzz_target!(|src: &str| {
    let split = match front_matter::split(src, "content/fuzz.md") {
        Ok(split) => split,
        Err(e) => return check_location(src, &e),
    };
    assert_eq!(&src[split.toml_offset..split.toml_offset + split.toml.len()], split.toml);
    assert_eq!(&src[split.body_offset..], split.body);
    assert!(split.toml_offset <= split.body_offset);
    match front_matter::parse(src, &split, "content/fuzz.md") {
        Ok(meta) => {
            let again = front_matter::parse(src, &split, "content/fuzz.md").expect("parsing is deterministic");
            assert_eq!(meta, again);
            for key in ["title", "slug", "date", "tags"] {
                let line = front_matter::key_line(src, &split, key);
                assert!(line >= 1 && line <= src.matches('\n').count() + 1);
            }
        }
        Err(e) => check_location(src, &e),
    }
});
