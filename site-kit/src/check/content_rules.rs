//! Rules on the articles: front matter, CTAs, portraits' consent to publication, alt text, internal links.

use super::links::{KnownPaths, internal_target};
use super::{Finding, Severity};
use crate::content::{self, Page};
use crate::listing;
use crate::project::Project;
use consent::{Config, Locale};
use std::path::Path;

/// Lints every article of `dir`.
pub fn lint(dir: &Path, config: Option<&Config>, project: Option<&Project>) -> Vec<Finding> {
    let mut out = Vec::new();
    let sources = match content::sources(&dir.join("content")) {
        Ok(s) => s,
        Err(e) => {
            out.push(finding(
                Severity::Error,
                "front-matter",
                "content",
                1,
                1,
                e.to_string(),
                "",
                "check the folder's permissions",
            ));
            return out;
        }
    };
    let french = config.is_none_or(|c| c.default_locale() == Locale::Fr);
    let mut pages = Vec::new();
    for path in &sources {
        let file = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| crate::error::Located {
                file: file.clone(),
                line: 1,
                column: 1,
                message: e.to_string(),
                hint: None,
            })
            .and_then(|src| Page::parse(path, &file, src, french));
        match parsed {
            Ok(page) => pages.push(page),
            Err(e) => out.push(finding(
                Severity::Error,
                "front-matter",
                &e.file,
                e.line,
                e.column,
                e.message,
                "site-kit needs the title and the keys it knows to build the page",
                &e.hint.unwrap_or_default(),
            )),
        }
    }
    let known = known_paths(dir, &pages, project);
    for page in &pages {
        lint_page(page, config, &known, &mut out);
    }
    out
}

fn known_paths(dir: &Path, pages: &[Page], project: Option<&Project>) -> KnownPaths {
    let mut known = KnownPaths::default();
    for p in ["/", "/tags/", "/atom.xml", "/sitemap.xml", "/robots.txt", "/theme.css", "/widget/config.json"] {
        known.add(p);
    }
    known.add(project.map_or_else(|| "/confidentialite/".to_owned(), Project::privacy_path));
    // The statistics page is generated, from its data file, only when there is one.
    if dir.join(crate::insertion::DATA_FILE).is_file() {
        known.add(crate::insertion::PAGE_PATH);
    }
    let published: Vec<Page> = pages.iter().filter(|p| !p.meta.draft).cloned().collect();
    for p in &published {
        known.add(p.url.clone());
    }
    let per_page = project.map_or(10, |p| p.site.per_page);
    for pager in listing::paginate("/", published.len(), per_page) {
        known.add(pager.path);
    }
    for tag in listing::tags(&published) {
        for pager in listing::paginate(&tag.url(), tag.pages.len(), per_page) {
            known.add(pager.path);
        }
    }
    let statics = dir.join("static");
    let mut stack = vec![statics.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&statics) {
                known.add(format!("/{}", rel.display()));
            }
        }
    }
    known
}

fn lint_page(page: &Page, config: Option<&Config>, known: &KnownPaths, out: &mut Vec<Finding>) {
    let file = page.file.as_str();
    if let Some(config) = config {
        let ids: Vec<&str> = config.ctas().iter().map(|c| c.id.as_str()).collect();
        let unknown = |id: &str, line: usize, column: usize| {
            finding(
                Severity::Error,
                "cta",
                file,
                line,
                column,
                format!("unknown CTA `{id}`: consent.toml declares {}", ids.join(", ")),
                "GDPR art. 4(11) and 7(1): a call to action offers only the declared purposes, each with its unchecked box, so that the consent given can be shown later",
                &format!("use one of {} or declare `[[ctas]]` with `id = \"{id}\"` in consent.toml", ids.join(", ")),
            )
        };
        for cta in &page.body.ctas {
            if config.cta(&cta.id).is_none() {
                let (line, column) = page.body_position(cta.offset);
                out.push(unknown(&cta.id, line, column));
            }
        }
        if let Some(id) = &page.meta.cta
            && config.cta(id).is_none()
        {
            out.push(unknown(id, page.key_line("cta"), 1));
        }
        if page.meta.cta.is_none() && page.body.ctas.is_empty() && !page.meta.draft {
            out.push(finding(
                Severity::Info,
                "no-cta",
                file,
                1,
                1,
                format!("« {} » has no call to action", page.meta.title),
                "an autonomous association may not write to alumni to ask for consent (CPCE L.34-5): its articles bring them to the form",
                "add `cta = \"join\"` to the front matter or `{{ cta(id=\"join\") }}` in the text",
            ));
        }
    }
    if page.is_portrait() && page.meta.publication_consent.as_deref().is_none_or(|s| s.trim().is_empty()) {
        out.push(finding(
            Severity::Error,
            "portrait-consent",
            file,
            page.key_line("kind"),
            1,
            format!("portrait « {} » has no `publication_consent`", page.meta.title),
            "Code civil art. 9 (image rights) and GDPR art. 6(1)(a), 7(1): publishing a person's name, photo and career needs their consent, and you must be able to show it",
            "collect the portrayed person's consent (CTA `interview`), then set `publication_consent = \"<record id>\"`",
        ));
    }
    let looks_like_portrait = page.meta.title.to_lowercase().starts_with("portrait") || page.meta.promo.is_some();
    if !page.is_portrait() && looks_like_portrait && page.meta.publication_consent.is_none() {
        out.push(finding(
            Severity::Warning,
            "portrait-consent",
            file,
            page.key_line("title"),
            1,
            format!(
                "« {} » looks like a portrait (title or `promo`) but is not `kind = \"portrait\"`",
                page.meta.title
            ),
            "Code civil art. 9 and GDPR art. 6(1)(a): a portrait of a real person needs their consent to publication",
            "set `kind = \"portrait\"` and `publication_consent = \"<record id>\"`",
        ));
    }
    if page.meta.photo.is_some() && page.meta.photo_alt.as_deref().is_none_or(|s| s.trim().is_empty()) {
        out.push(alt_text(file, page.key_line("photo"), 1, page.meta.photo.as_deref().unwrap_or("")));
    }
    for img in &page.body.images {
        if img.alt.trim().is_empty() {
            let (line, column) = page.body_position(img.offset);
            out.push(alt_text(file, line, column, &img.src));
        }
    }
    for link in &page.body.links {
        if let Some(target) = internal_target(&link.dest, &page.url)
            && !known.has(&target)
        {
            let (line, column) = page.body_position(link.offset);
            out.push(finding(
                    Severity::Error,
                    "links",
                    file,
                    line,
                    column,
                    format!("broken internal link `{}`: no page or file {target}", link.dest),
                    "RGAA 12 and WCAG 2.4: links lead somewhere; a dead link to the notice also breaks GDPR art. 12(1), easily accessible information",
                    "point to an existing article (`/slug/`), tag page, `/confidentialite/` or a file of `static/`",
                ));
        }
    }
    for refused in page.unsafe_urls() {
        out.push(Finding {
            severity: Severity::Error,
            rule: "unsafe-url",
            file: refused.file,
            line: refused.line,
            column: refused.column,
            message: refused.message,
            law: "GDPR art. 32: a script run from an article (XSS) reads and changes the page, and the consent widget sits in an open shadow root on it: it could tick boxes no one ticked".to_owned(),
            fix: refused.hint.unwrap_or_default(),
        });
    }
    for (line, column) in page.raw_html_positions() {
        out.push(finding(
            Severity::Warning,
            "raw-html",
            file,
            line,
            column,
            "raw HTML is left out of the page (written as `<!-- raw HTML omitted -->`)".to_owned(),
            "articles are written by many hands: only the theme and the shortcodes write markup, so that no script or event handler reaches the page (Hugo's default, `unsafe = false`)",
            "write it in Markdown (emphasis, links, images, tables), use a shortcode such as `{{ cta(id=\"join\") }}`, or move the markup into templates/",
        ));
    }
    if let Some(photo) = &page.meta.photo
        && let Some(target) = internal_target(photo, &page.url)
        && !known.has(&target)
    {
        out.push(finding(
            Severity::Error,
            "links",
            file,
            page.key_line("photo"),
            1,
            format!("photo `{photo}` is not a file of static/"),
            "the sharing card and the page show a broken image",
            "put the image under static/ (e.g. static/images/x.jpg → `/images/x.jpg`)",
        ));
    }
}

fn alt_text(file: &str, line: usize, column: usize, src: &str) -> Finding {
    finding(
        Severity::Error,
        "alt-text",
        file,
        line,
        column,
        format!("image `{src}` has no alt text"),
        "RGAA 1.1, WCAG 2.1 SC 1.1.1: every informative image has a text alternative",
        "describe the image: `![Portrait de Zoé, souriante](/images/zoe.jpg)` or `photo_alt = \"…\"`",
    )
}

#[allow(clippy::too_many_arguments)]
fn finding(
    severity: Severity,
    rule: &'static str,
    file: &str,
    line: usize,
    column: usize,
    message: String,
    law: &str,
    fix: &str,
) -> Finding {
    Finding { severity, rule, file: file.to_owned(), line, column, message, law: law.to_owned(), fix: fix.to_owned() }
}
