//! The `{{ insertion(programme="…") }}` shortcode, which places a programme's insertion statistics in an article.
//!
//! Unlike an unknown `{{ … }}`, which is left as text, anything that starts `{{ insertion` is meant as this
//! shortcode: when it is misspelt the build stops and says where and how it should read, rather than publish the
//! braces.

use std::ops::Range;

/// One `{{ insertion… }}` in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the whole shortcode (up to its `}}`, or to the end of the line when it has none).
    pub range: Range<usize>,
    /// The programme named, or what is wrong with the spelling.
    pub programme: Result<String, &'static str>,
}

/// How the shortcode is written.
pub const SYNTAX: &str = "{{ insertion(programme=\"…\") }}";

/// Finds every `{{ insertion… }}` in `text` (spaces optional, single or double quotes).
pub fn find(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| i + from) {
        let after = text[start + 2..].trim_start();
        let is_ours = after
            .strip_prefix("insertion")
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-'));
        if !is_ours {
            from = start + 2;
            continue;
        }
        let (len, programme) = match parse_at(&text[start..]) {
            Some((len, programme)) => (len, Ok(programme)),
            None => (extent(&text[start..]), Err(problem(&text[start..]))),
        };
        found.push(Found { range: start..start + len, programme });
        from = start + len.max(2);
    }
    found
}

/// Parses `{{ insertion(programme="x") }}` at the start of `s`: its length and the programme.
fn parse_at(s: &str) -> Option<(usize, String)> {
    let mut rest = s.strip_prefix("{{")?.trim_start();
    rest = rest.strip_prefix("insertion")?.trim_start();
    rest = rest.strip_prefix('(')?.trim_start();
    rest = rest.strip_prefix("programme")?.trim_start();
    rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    rest = &rest[1..];
    let end = rest.find([quote, '\n'])?;
    if !rest[end..].starts_with(quote) {
        return None;
    }
    let programme = rest[..end].trim().to_owned();
    rest = rest[end + 1..].trim_start();
    rest = rest.strip_prefix(')')?.trim_start();
    rest = rest.strip_prefix("}}")?;
    (!programme.is_empty()).then_some((s.len() - rest.len(), programme))
}

/// The bytes a misspelt shortcode takes: up to its `}}` on the same line, else to the end of the line.
fn extent(s: &str) -> usize {
    let line = s.find('\n').unwrap_or(s.len());
    s[..line].find("}}").map_or(line, |i| i + 2)
}

/// What is wrong with a shortcode [`parse_at`] refused.
fn problem(s: &str) -> &'static str {
    let s = &s[..extent(s)];
    if !s.ends_with("}}") {
        "the shortcode is not closed with `}}` on its line"
    } else if !s.contains("programme") {
        "the shortcode names no programme (`programme=\"…\"`)"
    } else if !s.contains(['"', '\'']) {
        "the programme must be quoted"
    } else if s.contains("\"\"") || s.contains("''") {
        "the programme is empty"
    } else {
        "the shortcode is misspelt"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_shortcode_in_its_spellings_and_leaves_others() {
        let text = "a {{ insertion(programme=\"Ingénieur généraliste\") }} b {{insertion( programme = 'MBA' )}} \
                    {{ cta(id=\"join\") }} {{ insertions() }}";
        let found = find(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].programme.as_deref(), Ok("Ingénieur généraliste"));
        assert_eq!(&text[found[0].range.clone()], "{{ insertion(programme=\"Ingénieur généraliste\") }}");
        assert_eq!(found[1].programme.as_deref(), Ok("MBA"));
    }

    #[test]
    fn a_misspelt_shortcode_is_found_with_what_is_wrong() {
        let cases = [
            ("{{ insertion(programe=\"MBA\") }}", "the shortcode names no programme (`programme=\"…\"`)"),
            ("{{ insertion(programme=MBA) }}", "the programme must be quoted"),
            ("{{ insertion(programme=\"\") }}", "the programme is empty"),
            ("{{ insertion(programme=\"MBA\")\nnext line }}", "the shortcode is not closed with `}}` on its line"),
            ("{{ insertion programme=\"MBA\" }}", "the shortcode is misspelt"),
        ];
        for (text, why) in cases {
            let found = find(text);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].programme, Err(why), "{text}");
            assert_eq!(found[0].range.start, 0);
        }
    }
}
