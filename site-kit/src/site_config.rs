//! `site.toml`: what the site says about itself (title, base URL, description). Optional; `consent.toml` stays
//! the controller's file and its schema is closed, so the site's own settings live here.

use crate::error::{Located, line_col};
use serde::Deserialize;

/// The site's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's name, in the header and the feed.
    pub title: String,
    /// One sentence for the home page, the feed and sharing cards.
    #[serde(default)]
    pub description: String,
    /// Absolute URL the site is published at, used in the feed, the sitemap and sharing cards.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Articles per index or tag page.
    #[serde(default = "default_per_page")]
    pub per_page: usize,
    /// Image shown when an article shares without its own photo (a path under `static/`).
    #[serde(default)]
    pub image: Option<String>,
}

fn default_base_url() -> String {
    "http://127.0.0.1:8080".to_owned()
}

fn default_per_page() -> usize {
    10
}

impl SiteConfig {
    /// Settings used when there is no `site.toml`: the controller's name as title.
    pub fn fallback(controller: &str) -> Self {
        SiteConfig {
            title: controller.to_owned(),
            description: String::new(),
            base_url: default_base_url(),
            per_page: default_per_page(),
            image: None,
        }
    }

    /// Parses `site.toml`; `file` names it in errors.
    pub fn from_toml_str(src: &str, file: &str) -> Result<Self, Located> {
        let mut site: SiteConfig = toml::from_str(src).map_err(|e| {
            let (line, column) = line_col(src, e.span().map_or(0, |s| s.start));
            Located {
                file: file.to_owned(),
                line,
                column,
                message: e.message().lines().next().unwrap_or("invalid TOML").to_owned(),
                hint: Some("site.toml knows: title, description, base_url, per_page, image".to_owned()),
            }
        })?;
        site.base_url = site.base_url.trim_end_matches('/').to_owned();
        if site.per_page == 0 {
            site.per_page = default_per_page();
        }
        Ok(site)
    }

    /// The absolute URL of a site path such as `/portrait/`.
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}/{}", self.base_url, path.trim_start_matches('/'))
        }
    }
}
