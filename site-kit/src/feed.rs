//! `atom.xml`: every published article, newest first (RFC 4287).

use crate::content::Page;
use crate::site_config::SiteConfig;
use std::fmt::Write;

/// Escapes text for XML content and attributes.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The feed of `pages` (already newest first).
pub fn atom(site: &SiteConfig, pages: &[Page]) -> String {
    let updated = pages
        .iter()
        .filter_map(|p| p.date.as_ref())
        .map(|d| d.rfc3339.as_str())
        .max()
        .unwrap_or("1970-01-01T00:00:00Z");
    let mut out = String::with_capacity(512 + pages.len() * 512);
    let home = site.absolute("/");
    // `write!` to a String cannot fail.
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n\
         <title>{}</title>\n<subtitle>{}</subtitle>\n<link href=\"{}\" rel=\"self\"/>\n<link href=\"{}\"/>\n\
         <id>{}</id>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
        xml_escape(&site.title),
        xml_escape(&site.description),
        xml_escape(&site.absolute("/atom.xml")),
        xml_escape(&home),
        xml_escape(&home),
        updated,
        xml_escape(&site.title),
    );
    for page in pages {
        let url = xml_escape(&site.absolute(&page.url));
        let date = page.date.as_ref().map_or(updated, |d| d.rfc3339.as_str());
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<link href=\"{url}\"/>\n<id>{url}</id>\n<updated>{date}</updated>\n\
             <summary>{}</summary>\n",
            xml_escape(&page.meta.title),
            xml_escape(&page.summary),
        );
        for (name, _) in &page.tags {
            let _ = writeln!(out, "<category term=\"{}\"/>", xml_escape(name));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
