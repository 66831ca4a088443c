//! `links`: internal links must lead to a page or file the build writes.

use std::collections::BTreeSet;

/// Every site path a build produces, as given to [`resolves`].
#[derive(Debug, Default)]
pub struct KnownPaths(pub BTreeSet<String>);

impl KnownPaths {
    /// Adds a path (`/a/` or `/a.png`).
    pub fn add(&mut self, path: impl Into<String>) {
        self.0.insert(path.into());
    }

    /// Whether the site path `path` is served: `/a`, `/a/` and `/a/index.html` are the same page.
    pub fn has(&self, path: &str) -> bool {
        let path = path.strip_suffix("index.html").unwrap_or(path);
        self.0.contains(path) || self.0.contains(&format!("{}/", path.trim_end_matches('/')))
    }
}

/// The site path a link points to, or `None` for external links, mail, phone and same-page anchors.
pub fn internal_target(dest: &str, page_url: &str) -> Option<String> {
    let dest = dest.trim();
    let dest = dest.split(['#', '?']).next().unwrap_or("");
    if dest.is_empty() || dest.starts_with("//") {
        return None;
    }
    // A scheme (`https:`, `mailto:`) comes before any `/`.
    if let Some(colon) = dest.find(':')
        && !dest[..colon].contains('/')
    {
        return None;
    }
    if dest.starts_with('/') {
        return Some(normalize(dest));
    }
    let base = page_url.rsplit_once('/').map_or("/", |(head, _)| head);
    Some(normalize(&format!("{base}/{dest}")))
}

/// Resolves `.` and `..` segments.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if path.ends_with('/') && out != "/" {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_and_skips_external() {
        assert_eq!(internal_target("../autre/", "/article/").as_deref(), Some("/autre/"));
        assert_eq!(internal_target("/a/#x", "/b/").as_deref(), Some("/a/"));
        assert_eq!(internal_target("https://x.fr/", "/b/"), None);
        assert_eq!(internal_target("mailto:a@b.fr", "/b/"), None);
        assert_eq!(internal_target("#haut", "/b/"), None);
        let mut known = KnownPaths::default();
        known.add("/a/");
        assert!(known.has("/a"));
        assert!(known.has("/a/index.html"));
        assert!(!known.has("/b/"));
    }
}
