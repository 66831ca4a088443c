//! Markdown → HTML (CommonMark, tables, footnotes) with what the lint needs collected on the way: images and
//! their alt text, links, CTA shortcodes, each with its byte offset in the body.
//!
//! Raw HTML in Markdown is omitted, like Hugo's default (`unsafe = false`): articles are written by many hands
//! and the only markup that reaches the page is what the theme and the shortcodes produce. A link or image whose
//! URL [`url_safety`] refuses is written with `#` in its place (and the build refuses the page anyway).

use super::url_safety::{self, UrlUse};
use crate::insertion::{self, InsertionRef};
use crate::shortcodes;
use crate::typography;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// An image in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Its source.
    pub src: String,
    /// Its alt text (empty when missing).
    pub alt: String,
    /// Byte offset in the body.
    pub offset: usize,
}

/// A link in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    /// Its destination.
    pub dest: String,
    /// Byte offset in the body.
    pub offset: usize,
}

/// A CTA placed by a shortcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtaRef {
    /// The CTA id.
    pub id: String,
    /// Byte offset in the body.
    pub offset: usize,
}

/// A rendered body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The HTML.
    pub html: String,
    /// The first paragraph as plain text, shortened.
    pub summary: String,
    /// Images.
    pub images: Vec<ImageRef>,
    /// Links.
    pub links: Vec<LinkRef>,
    /// Shortcode CTAs.
    pub ctas: Vec<CtaRef>,
    /// Insertion statistics shortcodes, each standing in `html` as its [`insertion::marker`].
    pub insertions: Vec<InsertionRef>,
    /// Byte offsets of the raw HTML left out: one per HTML block, one per inline tag.
    pub raw_html: Vec<usize>,
}

/// What replaces raw HTML, as Hugo writes it.
pub const RAW_HTML_OMITTED: &str = "<!-- raw HTML omitted -->";

const SUMMARY_CHARS: usize = 240;

/// Renders `body`; `french` turns on French typography.
pub fn render(body: &str, french: bool) -> Rendered {
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH;
    let mut out = Rendered::default();
    let mut events: Vec<Event<'_>> = Vec::with_capacity(256);
    let mut in_code = false;
    let mut image: Option<ImageRef> = None;
    let mut paragraph_depth = 0usize;
    let mut summary_done = false;
    let mut summary = String::new();
    // Text events arrive split; merge neighbours so that shortcodes and typography see whole runs.
    let mut pending: Option<(String, usize)> = None;

    let parser = Parser::new_ext(body, options).into_offset_iter();
    for (event, range) in parser {
        if let Event::Text(t) = &event {
            match &mut pending {
                Some((text, _)) => text.push_str(t),
                None => pending = Some((t.to_string(), range.start)),
            }
            continue;
        }
        if let Some((text, offset)) = pending.take() {
            flush_text(text, offset, in_code, french, &mut image, &mut out, &mut events, &mut summary, summary_done);
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                events.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                events.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                image = Some(ImageRef { src: dest_url.to_string(), alt: String::new(), offset: range.start });
                let dest_url = neutralized(dest_url, UrlUse::Image);
                events.push(Event::Start(Tag::Image { link_type, dest_url, title, id }));
            }
            Event::End(TagEnd::Image) => {
                if let Some(img) = image.take() {
                    out.images.push(img);
                }
                events.push(Event::End(TagEnd::Image));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                out.links.push(LinkRef { dest: dest_url.to_string(), offset: range.start });
                let dest_url = neutralized(dest_url, UrlUse::Link);
                events.push(Event::Start(Tag::Link { link_type, dest_url, title, id }));
            }
            Event::Start(Tag::Paragraph) => {
                paragraph_depth += 1;
                events.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::Paragraph) => {
                paragraph_depth = paragraph_depth.saturating_sub(1);
                if !summary.trim().is_empty() {
                    summary_done = true;
                }
                // A paragraph emptied by a shortcode leaves `<p></p>`: drop the pair.
                if matches!(events.last(), Some(Event::Start(Tag::Paragraph))) {
                    events.pop();
                } else {
                    events.push(Event::End(TagEnd::Paragraph));
                }
            }
            Event::Start(Tag::HtmlBlock) => {
                out.raw_html.push(range.start);
                events.push(Event::Html(CowStr::from(format!("{RAW_HTML_OMITTED}\n"))));
            }
            Event::Html(_) | Event::End(TagEnd::HtmlBlock) => {}
            Event::InlineHtml(_) => {
                out.raw_html.push(range.start);
                events.push(Event::InlineHtml(CowStr::from(RAW_HTML_OMITTED)));
            }
            Event::Code(c) => {
                if !summary_done && paragraph_depth > 0 {
                    summary.push_str(&c);
                }
                events.push(Event::Code(c));
            }
            Event::SoftBreak | Event::HardBreak if !summary_done && paragraph_depth > 0 => {
                summary.push(' ');
                events.push(event);
            }
            other => events.push(other),
        }
    }
    if let Some((text, offset)) = pending.take() {
        flush_text(text, offset, in_code, french, &mut image, &mut out, &mut events, &mut summary, summary_done);
    }
    out.html.reserve(body.len() + body.len() / 4);
    html::push_html(&mut out.html, events.into_iter());
    out.summary = shorten(summary.split_whitespace().collect::<Vec<_>>().join(" "));
    out
}

#[allow(clippy::too_many_arguments)]
fn flush_text(
    text: String,
    offset: usize,
    in_code: bool,
    french: bool,
    image: &mut Option<ImageRef>,
    out: &mut Rendered,
    events: &mut Vec<Event<'_>>,
    summary: &mut String,
    summary_done: bool,
) {
    if in_code {
        events.push(Event::Text(CowStr::from(text)));
        return;
    }
    if let Some(img) = image {
        img.alt.push_str(&text);
    }
    let mut found: Vec<(std::ops::Range<usize>, Placed)> =
        shortcodes::find(&text).into_iter().map(|sc| (sc.range, Placed::Cta(sc.cta))).collect();
    found.extend(insertion::shortcode::find(&text).into_iter().map(|f| (f.range, Placed::Insertion(f.programme))));
    found.sort_by_key(|(range, _)| range.start);
    if found.is_empty() {
        let text = if french { typography::french(&text) } else { text };
        if !summary_done && image.is_none() {
            summary.push_str(&text);
        }
        events.push(Event::Text(CowStr::from(text)));
        return;
    }
    let mut last = 0;
    for (range, placed) in found {
        if range.start < last {
            continue;
        }
        let before = &text[last..range.start];
        if !before.trim().is_empty() {
            events.push(Event::Text(CowStr::from(if french { typography::french(before) } else { before.to_owned() })));
        }
        let html = match placed {
            Placed::Cta(id) => {
                let html = shortcodes::mount_point(&id);
                out.ctas.push(CtaRef { id, offset: offset + range.start });
                html
            }
            Placed::Insertion(programme) => {
                out.insertions.push(InsertionRef { programme, offset: offset + range.start });
                insertion::marker(out.insertions.len() - 1)
            }
        };
        // A block element may not sit inside a paragraph: close it around the mount point.
        let in_paragraph = events.iter().rev().find_map(|e| match e {
            Event::Start(Tag::Paragraph) => Some(true),
            Event::End(TagEnd::Paragraph) => Some(false),
            _ => None,
        });
        if in_paragraph == Some(true) {
            close_paragraph(events);
            events.push(Event::Html(CowStr::from(html)));
            events.push(Event::Start(Tag::Paragraph));
        } else {
            events.push(Event::Html(CowStr::from(html)));
        }
        last = range.end;
    }
    let after = &text[last..];
    if !after.trim().is_empty() {
        events.push(Event::Text(CowStr::from(if french { typography::french(after) } else { after.to_owned() })));
    }
}

/// What a shortcode places.
enum Placed {
    Cta(String),
    Insertion(Result<String, &'static str>),
}

fn neutralized(dest: CowStr<'_>, usage: UrlUse) -> CowStr<'_> {
    if url_safety::refused_scheme(&dest, usage).is_some() { CowStr::from("#") } else { dest }
}

fn close_paragraph(events: &mut Vec<Event<'_>>) {
    if matches!(events.last(), Some(Event::Start(Tag::Paragraph))) {
        events.pop();
    } else {
        events.push(Event::End(TagEnd::Paragraph));
    }
}

fn shorten(text: String) -> String {
    if text.chars().count() <= SUMMARY_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SUMMARY_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).trim_end_matches([',', ';', ':', ' ']);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_tables_footnotes_and_collects_refs() {
        let body =
            "Bonjour : voici[^1].\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![](/x.png) [lien](/a/)\n\n[^1]: Note.\n";
        let r = render(body, true);
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("footnote"), "{}", r.html);
        assert!(r.html.contains("Bonjour\u{a0}: voici"), "{}", r.html);
        assert_eq!(
            r.images,
            vec![ImageRef { src: "/x.png".into(), alt: String::new(), offset: body.find("![").unwrap() }]
        );
        assert_eq!(r.links[0].dest, "/a/");
        assert!(r.summary.starts_with("Bonjour"), "{}", r.summary);
    }

    #[test]
    fn shortcodes_become_mount_points_outside_paragraphs() {
        let body = "Intro.\n\n{{ cta(id=\"join\") }}\n\nAvant {{ cta(id=\"event\") }} après.\n\n```\n{{ cta(id=\"code\") }}\n```\n";
        let r = render(body, false);
        assert_eq!(r.ctas.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["join", "event"]);
        assert!(r.html.contains("<p>Intro.</p>\n<div data-alumni-consent data-cta=\"join\"></div>"), "{}", r.html);
        assert!(
            r.html.contains("<p>Avant </p>\n<div data-alumni-consent data-cta=\"event\"></div>\n<p> après.</p>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<code>{{ cta(id=\"code\") }}"), "code is left alone: {}", r.html);
        assert_eq!(r.ctas[0].offset, body.find("{{").unwrap());
    }

    #[test]
    fn raw_html_is_omitted() {
        let body = "<img src=x onerror=alert(1)>\n\na <b>b</b>";
        let r = render(body, false);
        assert!(!r.html.contains("<img") && !r.html.contains("onerror"), "{}", r.html);
        assert_eq!(r.html, "<!-- raw HTML omitted -->\n<p>a <!-- raw HTML omitted -->b<!-- raw HTML omitted --></p>\n");
        assert_eq!(r.raw_html, [0, body.find("<b>").unwrap(), body.find("</b>").unwrap()]);
    }

    #[test]
    fn refused_urls_are_not_written() {
        let r = render("[a](&#106;avascript:alert(1)) ![b](data:text/html,x) [c](https://a.fr/)", false);
        assert!(!r.html.contains("avascript") && !r.html.contains("data:"), "{}", r.html);
        assert!(r.html.contains("href=\"https://a.fr/\""), "{}", r.html);
        assert_eq!(r.links[0].dest, "javascript:alert(1)", "kept for the lint");
        // Named references too (HTML5's list, as CommonMark asks): the lint sees what the browser would.
        let r = render("[a](javascript&colon;alert(1)) [b](java&Tab;script:x) [c](&NewLine;javascript:x)", false);
        let refused: Vec<Option<String>> =
            r.links.iter().map(|l| url_safety::refused_scheme(&l.dest, UrlUse::Link)).collect();
        assert_eq!(
            refused,
            [Some("javascript".to_owned()), Some("javascript".to_owned()), Some("javascript".to_owned())]
        );
        assert!(!r.html.contains("script:"), "{}", r.html);
    }
}
