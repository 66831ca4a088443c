//! `sitemap.xml`: every page a search engine should know (sitemaps.org 0.9).

use crate::feed::xml_escape;
use crate::site_config::SiteConfig;
use std::fmt::Write;

/// A sitemap of `(site path, last modification as YYYY-MM-DD)`.
pub fn sitemap(site: &SiteConfig, urls: &[(String, Option<String>)]) -> String {
    let mut out = String::with_capacity(128 + urls.len() * 120);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, lastmod) in urls {
        let _ = write!(out, "<url><loc>{}</loc>", xml_escape(&site.absolute(path)));
        if let Some(date) = lastmod {
            let _ = write!(out, "<lastmod>{date}</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}
