//! The privacy-notice page: the second layer of the notice (every GDPR art. 13 item), in every locale, with the
//! notice version that records name, so that alumni and auditors can tie a record to the text shown.

use consent::{Locale, Notice};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

/// One locale's section of the page.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// `fr` or `en`.
    pub lang: &'static str,
    /// The section's anchor.
    pub anchor: &'static str,
    /// Name of the language in itself.
    pub language_name: &'static str,
    /// « Version de la notice » in that language.
    pub version_label: &'static str,
    /// The second layer as HTML (configured values are escaped by the notice, raw HTML is shown as text).
    pub html: String,
}

/// The sections of the page, the default locale first.
pub fn sections(notice: &Notice, first: Locale) -> Vec<Section> {
    let mut locales = vec![first];
    locales.extend(Locale::ALL.iter().copied().filter(|l| *l != first));
    locales
        .into_iter()
        .enumerate()
        .map(|(i, locale)| Section {
            lang: locale.tag(),
            anchor: if locale == Locale::En { "english" } else { "francais" },
            language_name: if locale == Locale::En { "English" } else { "Français" },
            version_label: if locale == Locale::En { "Notice version" } else { "Version de la notice" },
            // The page has one `h1`: sections after the first go one heading level down.
            html: to_html(notice.second_layer(locale), i > 0),
        })
        .collect()
}

/// CommonMark → HTML, raw HTML shown as text, headings optionally demoted.
pub fn to_html(markdown: &str, demote: bool) -> String {
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Heading { level, id, classes, attrs }) if demote => {
            Event::Start(Tag::Heading { level: lower(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) if demote => Event::End(TagEnd::Heading(lower(level))),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, events);
    out
}

fn lower(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}
