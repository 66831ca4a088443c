//! The `{{ cta(id="join") }}` shortcode, which places a widget mount point in an article, and the one module
//! script that loads the widget on each page that has a CTA (the embedding contract of the widget).

use std::ops::Range;

/// One shortcode found in a text: where it is and the CTA id it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortcode {
    /// Byte range of the whole `{{ … }}` in the text.
    pub range: Range<usize>,
    /// The CTA id (unchecked here: the site knows which CTAs exist).
    pub cta: String,
}

/// Finds every `{{ cta(id="…") }}` in `text` (spaces optional, single or double quotes).
pub fn find(text: &str) -> Vec<Shortcode> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| i + from) {
        match parse_at(&text[start..]) {
            Some((len, cta)) => {
                found.push(Shortcode { range: start..start + len, cta });
                from = start + len;
            }
            None => from = start + 2,
        }
    }
    found
}

/// Parses `{{ cta(id="x") }}` at the start of `s`: its length and the id.
fn parse_at(s: &str) -> Option<(usize, String)> {
    let mut rest = s.strip_prefix("{{")?.trim_start();
    rest = rest.strip_prefix("cta")?.trim_start();
    rest = rest.strip_prefix('(')?.trim_start();
    rest = rest.strip_prefix("id")?.trim_start();
    rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    rest = &rest[1..];
    let end = rest.find(quote)?;
    let id = rest[..end].to_owned();
    rest = rest[end + 1..].trim_start();
    rest = rest.strip_prefix(')')?.trim_start();
    rest = rest.strip_prefix("}}")?;
    Some((s.len() - rest.len(), id))
}

/// The mount point of one CTA: `<div data-alumni-consent data-cta="join"></div>`.
pub fn mount_point(cta: &str) -> String {
    format!("<div data-alumni-consent data-cta=\"{}\"></div>", escape_attr(cta))
}

/// Escapes a value for a quoted HTML attribute (or text): `& < > " '`.
pub fn escape_attr(value: &str) -> String {
    html_escape::encode_quoted_attribute(value).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_shortcodes_in_their_spellings() {
        let text = "a {{ cta(id=\"join\") }} b {{cta( id = 'event' )}} {{ other() }} {{ cta(id=\"x\"";
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].cta, "join");
        assert_eq!(&text[found[0].range.clone()], "{{ cta(id=\"join\") }}");
        assert_eq!(found[1].cta, "event");
        assert_eq!(
            mount_point("a\"><script>"),
            "<div data-alumni-consent data-cta=\"a&quot;&gt;&lt;script&gt;\"></div>"
        );
    }
}
