//! Lists of articles: the paginated home page, tag pages and the tag index.

use crate::content::Page;
use serde::Serialize;
use std::collections::BTreeMap;

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pager {
    /// 1-based page number.
    pub current: usize,
    /// Number of pages.
    pub total: usize,
    /// Site path of this page.
    #[serde(skip)]
    pub path: String,
    /// Previous page's path.
    pub prev: Option<String>,
    /// Next page's path.
    pub next: Option<String>,
    /// Index range of the items on this page.
    #[serde(skip)]
    pub items: std::ops::Range<usize>,
}

/// Splits `count` items under `base` (`/` or `/tags/x/`): page 1 is `base`, page k is `base` + `page/k/`.
pub fn paginate(base: &str, count: usize, per_page: usize) -> Vec<Pager> {
    let per_page = per_page.max(1);
    let total = count.div_ceil(per_page).max(1);
    let path = |n: usize| if n == 1 { base.to_owned() } else { format!("{base}page/{n}/") };
    (1..=total)
        .map(|n| Pager {
            current: n,
            total,
            path: path(n),
            prev: (n > 1).then(|| path(n - 1)),
            next: (n < total).then(|| path(n + 1)),
            items: (n - 1) * per_page..(n * per_page).min(count),
        })
        .collect()
}

/// An article as lists show it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    /// Title.
    pub title: &'a str,
    /// Site path.
    pub url: &'a str,
    /// `2026-03-14`.
    pub date_iso: Option<String>,
    /// `14 mars 2026`.
    pub date_fr: Option<String>,
    /// Description or first paragraph.
    pub summary: &'a str,
}

impl<'a> Summary<'a> {
    /// The summary of a page.
    pub fn of(page: &'a Page) -> Self {
        Summary {
            title: &page.meta.title,
            url: &page.url,
            date_iso: page.date.as_ref().map(|d| d.iso()),
            date_fr: page.date.as_ref().map(|d| d.french()),
            summary: &page.summary,
        }
    }
}

/// A tag and its pages (indexes into the site's page list, newest first).
#[derive(Debug, Clone)]
pub struct Tag {
    /// The name as first written.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Indexes of its pages.
    pub pages: Vec<usize>,
}

impl Tag {
    /// Site path `/tags/slug/`.
    pub fn url(&self) -> String {
        format!("/tags/{}/", self.slug)
    }
}

/// Groups pages by tag slug, in slug order.
pub fn tags(pages: &[Page]) -> Vec<Tag> {
    let mut by_slug: BTreeMap<&str, Tag> = BTreeMap::new();
    for (i, page) in pages.iter().enumerate() {
        for (name, slug) in &page.tags {
            let tag = by_slug.entry(slug).or_insert_with(|| Tag {
                name: name.clone(),
                slug: slug.clone(),
                pages: Vec::new(),
            });
            if tag.pages.last() != Some(&i) {
                tag.pages.push(i);
            }
        }
    }
    by_slug.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_to_each_other() {
        let p = paginate("/", 25, 10);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].path, "/");
        assert_eq!(p[1].path, "/page/2/");
        assert_eq!(p[1].prev.as_deref(), Some("/"));
        assert_eq!(p[2].items, 20..25);
        assert_eq!(paginate("/tags/x/", 0, 10).len(), 1, "an empty list still has its page");
    }
}
