//! TOML front matter between `+++` lines, as Zola and Hugo write it.

use crate::error::{Located, line_col};
use serde::Deserialize;
use toml::value::Datetime;

/// What kind of article a page is; portraits are about a real person and need their consent to publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An article.
    #[default]
    Article,
    /// A portrait of an alumnus or alumna.
    Portrait,
    /// An event announcement.
    Event,
}

/// The front matter of a page.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Title.
    pub title: String,
    /// Article, portrait or event.
    #[serde(default)]
    pub kind: Kind,
    /// Publication date.
    pub date: Option<Datetime>,
    /// One sentence for lists and sharing cards; the first paragraph otherwise.
    pub description: Option<String>,
    /// Graduation year of the portrayed person.
    pub promo: Option<i32>,
    /// Their programme.
    pub programme: Option<String>,
    /// Their job.
    pub job: Option<String>,
    /// Their company.
    pub company: Option<String>,
    /// A quote shown in the portrait's header.
    pub quote: Option<String>,
    /// A photo (site path or URL).
    pub photo: Option<String>,
    /// The photo's text alternative.
    pub photo_alt: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// A CTA id placed after the body.
    pub cta: Option<String>,
    /// The record id of the portrayed person's consent to publication.
    pub publication_consent: Option<String>,
    /// Drafts are not published.
    #[serde(default)]
    pub draft: bool,
    /// The URL slug; the file name otherwise.
    pub slug: Option<String>,
}

/// The keys known in front matter, for hints.
pub const KEYS: &str = "title, kind, date, description, promo, programme, job, company, quote, photo, photo_alt, \
                        tags, cta, publication_consent, draft, slug";

/// A source split into its front matter and body.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// The TOML text.
    pub toml: &'a str,
    /// The Markdown text.
    pub body: &'a str,
    /// Byte offset of the TOML text in the source.
    pub toml_offset: usize,
    /// Byte offset of the body in the source.
    pub body_offset: usize,
}

/// Splits `+++ … +++` from the body.
pub fn split<'a>(src: &'a str, file: &str) -> Result<Split<'a>, Located> {
    let missing = || Located {
        file: file.to_owned(),
        line: 1,
        column: 1,
        message: "no front matter".to_owned(),
        hint: Some("start the file with `+++`, then `title = \"…\"` and the other keys, then `+++`".to_owned()),
    };
    let bom = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &src[bom..];
    let first_len = match rest.find('\n') {
        Some(i) if rest[..i].trim_end() == "+++" => i + 1,
        _ => return Err(missing()),
    };
    let toml_offset = bom + first_len;
    let mut pos = toml_offset;
    for line in src[toml_offset..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok(Split {
                toml: &src[toml_offset..pos],
                body: &src[pos + line.len()..],
                toml_offset,
                body_offset: pos + line.len(),
            });
        }
        pos += line.len();
    }
    let (line, column) = line_col(src, src.len());
    Err(Located {
        file: file.to_owned(),
        line,
        column,
        message: "the front matter is not closed".to_owned(),
        hint: Some("end it with a line holding only `+++`".to_owned()),
    })
}

/// Parses the TOML of a front matter; errors point into the whole source.
pub fn parse(src: &str, split: &Split<'_>, file: &str) -> Result<FrontMatter, Located> {
    toml::from_str::<FrontMatter>(split.toml).map_err(|e| {
        let offset = split.toml_offset + e.span().map_or(0, |s| s.start);
        let (line, column) = line_col(src, offset);
        let message = e.message().lines().next().unwrap_or("invalid front matter").trim().to_owned();
        let hint = if message.contains("unknown field") || message.contains("missing field") {
            format!("front matter keys: {KEYS}")
        } else {
            "front matter is TOML: `key = \"text\"`, `date = 2026-03-14`, `tags = [\"a\", \"b\"]`".to_owned()
        };
        Located { file: file.to_owned(), line, column, message, hint: Some(hint) }
    })
}

/// 1-based line of `key = …` inside the front matter of `src`, or the first line.
pub fn key_line(src: &str, split: &Split<'_>, key: &str) -> usize {
    let base = line_col(src, split.toml_offset).0;
    for (i, line) in split.toml.lines().enumerate() {
        if let Some(rest) = line.trim_start().strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return base + i;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_locates_errors() {
        let src = "+++\ntitle = \"A\"\ntags = [\"x\"]\n+++\nBody\n";
        let s = split(src, "a.md").unwrap();
        assert_eq!(s.body, "Body\n");
        assert_eq!(parse(src, &s, "a.md").unwrap().title, "A");
        assert_eq!(key_line(src, &s, "tags"), 3);
        let bad = "+++\ntitle = \"A\"\nauthor = \"x\"\n+++\n";
        let s = split(bad, "a.md").unwrap();
        let e = parse(bad, &s, "a.md").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1), "{e}");
        assert!(e.message.contains("unknown field `author`"), "{e}");
        assert!(split("no front matter", "a.md").is_err());
        assert_eq!(split("+++\ntitle = \"A\"\n", "a.md").unwrap_err().message, "the front matter is not closed");
    }
}
