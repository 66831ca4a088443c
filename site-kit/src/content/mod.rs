//! Pages: Markdown files of `content/` with TOML front matter, parsed and rendered to HTML bodies.

pub mod front_matter;
pub mod markdown;
pub mod slug;
pub mod url_safety;

use crate::dates::Date;
use crate::error::{BuildError, Located, line_col};
use front_matter::{FrontMatter, Kind};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use url_safety::UrlUse;

/// A parsed, rendered page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The source file.
    pub source: PathBuf,
    /// The source file as shown in messages (relative to the site).
    pub file: String,
    /// The front matter.
    pub meta: FrontMatter,
    /// The publication date.
    pub date: Option<Date>,
    /// URL slug.
    pub slug: String,
    /// Site path, `/slug/`.
    pub url: String,
    /// Tags as (name, slug).
    pub tags: Vec<(String, String)>,
    /// Rendered body and what was found in it.
    pub body: markdown::Rendered,
    /// The description, or the first paragraph.
    pub summary: String,
    /// Line (1-based) at which the body starts in the source.
    pub body_line: usize,
    /// The source text, kept to locate findings.
    pub src: String,
    /// Byte offset of the body in the source.
    pub body_offset: usize,
}

impl Page {
    /// Parses and renders one source; `file` names it in errors.
    pub fn parse(source: &Path, file: &str, src: String, french: bool) -> Result<Page, Located> {
        let split = front_matter::split(&src, file)?;
        let mut meta = front_matter::parse(&src, &split, file)?;
        if french {
            meta.title = crate::typography::french(&meta.title);
            meta.quote = meta.quote.as_deref().map(crate::typography::french);
            meta.description = meta.description.as_deref().map(crate::typography::french);
        }
        let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
        let slug = match &meta.slug {
            Some(s) if slug::is_slug(s) => s.clone(),
            Some(s) => {
                return Err(Located {
                    file: file.to_owned(),
                    line: front_matter::key_line(&src, &split, "slug"),
                    column: 1,
                    message: format!("`slug = \"{s}\"` is not a slug"),
                    hint: Some(format!("use lowercase letters, digits and `-`, e.g. `{}`", slug::slugify(s))),
                });
            }
            None => slug::slugify(stem),
        };
        if slug.is_empty() {
            return Err(Located {
                file: file.to_owned(),
                line: 1,
                column: 1,
                message: "the file name gives an empty slug".to_owned(),
                hint: Some("rename the file or set `slug = \"…\"`".to_owned()),
            });
        }
        let date = meta.date.as_ref().and_then(Date::from_toml);
        let body = markdown::render(split.body, french);
        let summary = match &meta.description {
            Some(d) if !d.trim().is_empty() => d.trim().to_owned(),
            _ => body.summary.clone(),
        };
        let tags = meta.tags.iter().map(|t| (t.clone(), slug::slugify(t))).filter(|(_, s)| !s.is_empty()).collect();
        let body_line = line_col(&src, split.body_offset).0;
        let body_offset = split.body_offset;
        Ok(Page {
            source: source.to_owned(),
            file: file.to_owned(),
            url: format!("/{slug}/"),
            slug,
            date,
            tags,
            body,
            summary,
            body_line,
            meta,
            body_offset,
            src,
        })
    }

    /// Whether the page portrays a person.
    pub fn is_portrait(&self) -> bool {
        self.meta.kind == Kind::Portrait
    }

    /// (line, column) of a byte offset in the body.
    pub fn body_position(&self, offset: usize) -> (usize, usize) {
        line_col(&self.src, self.body_offset + offset)
    }

    /// Line of a front matter key.
    pub fn key_line(&self, key: &str) -> usize {
        match front_matter::split(&self.src, &self.file) {
            Ok(split) => front_matter::key_line(&self.src, &split, key),
            Err(_) => 1,
        }
    }

    /// Every link, image and photo whose URL [`url_safety`] refuses, located: the build stops on them.
    pub fn unsafe_urls(&self) -> Vec<Located> {
        let body = self.body.links.iter().map(|l| (&l.dest, l.offset, UrlUse::Link));
        let images = self.body.images.iter().map(|i| (&i.src, i.offset, UrlUse::Image));
        let mut found: Vec<Located> = body
            .chain(images)
            .filter_map(|(url, offset, usage)| {
                let scheme = url_safety::refused_scheme(url, usage)?;
                let (line, column) = self.body_position(offset);
                Some(self.unsafe_url(line, column, &scheme, usage))
            })
            .collect();
        if let Some(photo) = &self.meta.photo
            && let Some(scheme) = url_safety::refused_scheme(photo, UrlUse::Image)
        {
            found.push(self.unsafe_url(self.key_line("photo"), 1, &scheme, UrlUse::Image));
        }
        found.sort_by_key(|l| (l.line, l.column));
        found
    }

    fn unsafe_url(&self, line: usize, column: usize, scheme: &str, usage: UrlUse) -> Located {
        Located {
            file: self.file.clone(),
            line,
            column,
            message: url_safety::describe(scheme, usage),
            hint: Some(url_safety::hint(usage).to_owned()),
        }
    }

    /// (line, column) of each raw HTML fragment the page leaves out.
    pub fn raw_html_positions(&self) -> Vec<(usize, usize)> {
        self.body.raw_html.iter().map(|&o| self.body_position(o)).collect()
    }

    /// What lists, feeds and sitemaps show of this page; when it is unchanged, only the page itself is rebuilt.
    pub fn listing_key(&self) -> ListingKey<'_> {
        ListingKey {
            url: &self.url,
            title: &self.meta.title,
            date: self.date.as_ref(),
            tags: &self.tags,
            summary: &self.summary,
            photo: self.meta.photo.as_deref(),
            draft: self.meta.draft,
        }
    }
}

/// The part of a page that lists, the feed and the sitemap show.
#[derive(Debug, PartialEq, Eq)]
pub struct ListingKey<'a> {
    url: &'a str,
    title: &'a str,
    date: Option<&'a Date>,
    tags: &'a [(String, String)],
    summary: &'a str,
    photo: Option<&'a str>,
    draft: bool,
}

/// Every Markdown file under `dir`, sorted.
pub fn sources(dir: &Path) -> Result<Vec<PathBuf>, BuildError> {
    let mut found = Vec::new();
    if !dir.exists() {
        return Ok(found);
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| BuildError::io(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| BuildError::io(&d, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| BuildError::io(&path, e))?;
            if kind.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads and renders pages in parallel; every failure is reported, not just the first.
pub fn load(site_dir: &Path, paths: &[PathBuf], french: bool) -> Result<Vec<Page>, BuildError> {
    let results: Vec<Result<Page, Located>> = paths
        .par_iter()
        .map(|path| {
            let file = path.strip_prefix(site_dir).unwrap_or(path).display().to_string();
            let src = std::fs::read_to_string(path).map_err(|e| Located {
                file: file.clone(),
                line: 1,
                column: 1,
                message: format!("cannot read: {e}"),
                hint: None,
            })?;
            Page::parse(path, &file, src, french)
        })
        .collect();
    let mut pages = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(p) => pages.push(p),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(pages) } else { Err(BuildError::Content(errors)) }
}
