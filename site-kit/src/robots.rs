//! `robots.txt`: everything may be crawled; the sitemap is named.

use crate::site_config::SiteConfig;

/// The robots file of the site.
pub fn robots(site: &SiteConfig) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", site.absolute("/sitemap.xml"))
}
