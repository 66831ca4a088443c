//! A loaded site: the project, its published pages (newest first) and the compiled theme, and every output
//! rendered from them. Serve keeps one in memory and re-renders only what a change touches.

use crate::content::{self, Page};
use crate::error::{BuildError, Located};
use crate::listing::{self, Summary};
use crate::output::Output;
use crate::project::Project;
use crate::templates::{THEME_CSS, Theme};
use crate::{feed, insertion, privacy_page, robots, sitemap, widget_assets};
use consent::Locale;
use minijinja::{Value, context};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Site paths the generator uses itself; an article may not take them.
const RESERVED: [&str; 5] = ["page", "tags", "widget", "__site-kit", "insertion-professionnelle"];

/// A site ready to render.
#[derive(Debug)]
pub struct Site {
    /// consent.toml, its notice and site.toml.
    pub project: Project,
    /// Published pages, newest first.
    pub pages: Vec<Page>,
    /// Drafts (kept for the lint, not published).
    pub drafts: Vec<Page>,
    /// The insertion statistics of `data/insertion.json`, when the site has them.
    pub insertion: Option<consent::insertion::InsertionStats>,
    theme: Theme,
    live_reload: bool,
}

/// What the base template knows about the current page.
#[derive(Debug, Serialize)]
struct PageHead<'a> {
    title: &'a str,
    description: &'a str,
    canonical: String,
    og_type: &'a str,
    image: Option<String>,
    image_alt: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct WidgetTag<'a> {
    endpoint: Option<&'a str>,
    site: &'a str,
}

#[derive(Debug, Serialize)]
struct TagLink<'a> {
    name: &'a str,
    url: String,
}

impl Site {
    /// Loads a site directory: configuration, pages (in parallel), theme.
    pub fn load(dir: &Path, live_reload: bool) -> Result<Site, BuildError> {
        let project = Project::load(dir)?;
        let french = project.config.default_locale() == Locale::Fr;
        let sources = content::sources(&project.content_dir())?;
        let all = content::load(dir, &sources, french)?;
        let theme = Theme::load(&dir.join("templates"))?;
        let insertion = insertion::load(dir, &project.config).map_err(|e| BuildError::Content(vec![e]))?;
        let mut site = Site { project, pages: Vec::new(), drafts: Vec::new(), insertion, theme, live_reload };
        site.set_pages(all)?;
        Ok(site)
    }

    /// Replaces the pages: checks them, sorts them, separates drafts.
    pub fn set_pages(&mut self, all: Vec<Page>) -> Result<(), BuildError> {
        let errors = self.page_errors(&all);
        if !errors.is_empty() {
            return Err(BuildError::Content(errors));
        }
        let (drafts, mut pages): (Vec<Page>, Vec<Page>) = all.into_iter().partition(|p| p.meta.draft);
        sort(&mut pages);
        self.pages = pages;
        self.drafts = drafts;
        Ok(())
    }

    /// Unknown CTAs, refused link and image URLs and clashing page URLs: the build cannot go on with those.
    pub(crate) fn page_errors(&self, pages: &[Page]) -> Vec<Located> {
        let config = &self.project.config;
        let known: Vec<&str> = config.ctas().iter().map(|c| c.id.as_str()).collect();
        let mut errors = Vec::new();
        let mut urls: BTreeMap<&str, &str> = BTreeMap::new();
        let privacy = self.project.privacy_path();
        for page in pages {
            errors.extend(page.unsafe_urls());
            for cta in &page.body.ctas {
                if config.cta(&cta.id).is_none() {
                    let (line, column) = page.body_position(cta.offset);
                    errors.push(unknown_cta(&page.file, line, column, &cta.id, &known));
                }
            }
            errors.extend(insertion::errors(&page.file, &page.body.insertions, self.insertion.as_ref(), |offset| {
                page.body_position(offset)
            }));
            if let Some(cta) = &page.meta.cta
                && config.cta(cta).is_none()
            {
                errors.push(unknown_cta(&page.file, page.key_line("cta"), 1, cta, &known));
            }
            if page.meta.draft {
                continue;
            }
            if RESERVED.contains(&page.slug.as_str()) || page.url == privacy {
                errors.push(Located {
                    file: page.file.clone(),
                    line: 1,
                    column: 1,
                    message: format!("the URL {} is used by the site itself", page.url),
                    hint: Some("rename the file or set another `slug`".to_owned()),
                });
            } else if let Some(other) = urls.insert(&page.url, &page.file) {
                errors.push(Located {
                    file: page.file.clone(),
                    line: 1,
                    column: 1,
                    message: format!("the URL {} is already taken by {other}", page.url),
                    hint: Some("rename one of the files or set `slug`".to_owned()),
                });
            }
        }
        errors
    }

    fn head<'a>(&'a self, title: &'a str, description: &'a str, path: &str, og_type: &'a str) -> PageHead<'a> {
        let site = &self.project.site;
        PageHead {
            title,
            description,
            canonical: site.absolute(path),
            og_type,
            image: site.image.as_deref().map(|i| site.absolute(i)),
            image_alt: None,
        }
    }

    fn base(&self, head: PageHead<'_>, widget: bool) -> Value {
        let config = &self.project.config;
        let widget = widget
            .then(|| WidgetTag { endpoint: config.collector().endpoint.as_deref(), site: config.site().as_str() });
        context! {
            lang => config.default_locale().tag(),
            site => context! {
                title => self.project.site.title,
                description => self.project.site.description,
                base_url => self.project.site.base_url,
            },
            page => Value::from_serialize(&head),
            privacy_url => self.project.privacy_path(),
            widget => Value::from_serialize(&widget),
            live_reload => self.live_reload,
        }
    }

    /// The HTML page of one article.
    pub fn render_article(&self, page: &Page) -> Result<Output, BuildError> {
        let m = &page.meta;
        let mut head = self.head(&m.title, &page.summary, &page.url, "article");
        if let Some(photo) = &m.photo {
            head.image = Some(self.project.site.absolute(photo));
            head.image_alt = m.photo_alt.as_deref();
        }
        let needs_widget = m.cta.is_some() || !page.body.ctas.is_empty();
        let tags: Vec<TagLink<'_>> =
            page.tags.iter().map(|(name, slug)| TagLink { name, url: format!("/tags/{slug}/") }).collect();
        let kind = match m.kind {
            content::front_matter::Kind::Article => "article",
            content::front_matter::Kind::Portrait => "portrait",
            content::front_matter::Kind::Event => "event",
        };
        let ctx = context! {
            article => context! {
                title => m.title,
                url => page.url,
                kind => kind,
                date_iso => page.date.as_ref().map(|d| d.iso()),
                date_fr => page.date.as_ref().map(|d| d.french()),
                promo => m.promo,
                programme => m.programme,
                job => m.job,
                company => m.company,
                quote => m.quote,
                photo => m.photo,
                photo_alt => m.photo_alt,
                tags => Value::from_serialize(&tags),
                body => Value::from_safe_string(self.body_html(page)),
                cta => m.cta,
            },
            ..self.base(head, needs_widget)
        };
        let html = self.theme.render("article.html", ctx).map_err(|e| in_page(e, page))?;
        Ok(Output::new(page.url.clone(), html))
    }

    /// An article's body with its insertion shortcodes in place.
    fn body_html(&self, page: &Page) -> String {
        let mut html = page.body.html.clone();
        for (i, r) in page.body.insertions.iter().enumerate() {
            // Checked when the pages were set: every programme is in the statistics.
            let (Some(stats), Ok(programme)) = (&self.insertion, &r.programme) else { continue };
            html = html.replacen(&insertion::marker(i), &insertion::fragment(stats, programme, i), 1);
        }
        html
    }

    /// The insertion statistics page.
    fn render_insertion(&self, stats: &consent::insertion::InsertionStats) -> Result<Output, BuildError> {
        let description = format!("{} — {}", insertion::TITLE, self.project.site.title);
        let head = self.head(insertion::TITLE, &description, insertion::PAGE_PATH, "website");
        let ctx = context! {
            heading => insertion::TITLE,
            body => Value::from_safe_string(insertion::page(&self.project.config, stats)),
            ..self.base(head, false)
        };
        Ok(Output::new(insertion::PAGE_PATH, self.theme.render("insertion.html", ctx)?))
    }

    fn render_list(&self, heading: &str, intro: &str, base: &str, pages: &[&Page]) -> Result<Vec<Output>, BuildError> {
        listing::paginate(base, pages.len(), self.project.site.per_page)
            .into_par_iter()
            .map(|pager| {
                let articles: Vec<Summary<'_>> = pages[pager.items.clone()].iter().map(|p| Summary::of(p)).collect();
                let title = if pager.current > 1 {
                    format!("{heading} — page {}", pager.current)
                } else {
                    heading.to_owned()
                };
                let description = if intro.is_empty() { &self.project.site.description } else { intro };
                let head = self.head(&title, description, &pager.path, "website");
                let ctx = context! {
                    heading => title,
                    intro => intro,
                    articles => Value::from_serialize(&articles),
                    pagination => Value::from_serialize(&pager),
                    ..self.base(head, false)
                };
                Ok(Output::new(pager.path.clone(), self.theme.render("list.html", ctx)?))
            })
            .collect::<Result<Vec<_>, BuildError>>()
    }

    /// Everything but the article pages: lists, tags, privacy page, feed, sitemap, robots, style, widget config.
    pub fn render_listings(&self) -> Result<Vec<Output>, BuildError> {
        let site = &self.project.site;
        let all: Vec<&Page> = self.pages.iter().collect();
        let mut out = self.render_list(&site.title, &site.description, "/", &all)?;
        let tags = listing::tags(&self.pages);
        let tag_pages: Vec<Vec<Output>> = tags
            .par_iter()
            .map(|tag| {
                let pages: Vec<&Page> = tag.pages.iter().map(|&i| &self.pages[i]).collect();
                let heading = format!("Thème\u{a0}: {}", tag.name);
                self.render_list(&heading, "", &tag.url(), &pages)
            })
            .collect::<Result<_, _>>()?;
        out.extend(tag_pages.into_iter().flatten());

        #[derive(Serialize)]
        struct TagEntry<'a> {
            name: &'a str,
            url: String,
            count: usize,
        }
        let entries: Vec<TagEntry<'_>> =
            tags.iter().map(|t| TagEntry { name: &t.name, url: t.url(), count: t.pages.len() }).collect();
        let head = self.head("Thèmes", &site.description, "/tags/", "website");
        let ctx = context! { tags => Value::from_serialize(&entries), ..self.base(head, false) };
        out.push(Output::new("/tags/", self.theme.render("tags.html", ctx)?));

        out.push(self.render_privacy()?);
        if let Some(stats) = &self.insertion {
            out.push(self.render_insertion(stats)?);
        }
        out.push(Output::new("/atom.xml", feed::atom(site, &self.pages)));
        let mut urls: Vec<(String, Option<String>)> = vec![("/".to_owned(), None)];
        urls.extend(self.pages.iter().map(|p| (p.url.clone(), p.date.as_ref().map(|d| d.iso()))));
        urls.push(("/tags/".to_owned(), None));
        urls.extend(tags.iter().map(|t| (t.url(), None)));
        urls.push((self.project.privacy_path(), None));
        if self.insertion.is_some() {
            urls.push((insertion::PAGE_PATH.to_owned(), None));
        }
        out.push(Output::new("/sitemap.xml", sitemap::sitemap(site, &urls)));
        out.push(Output::new("/robots.txt", robots::robots(site)));
        out.push(Output::new("/theme.css", THEME_CSS));
        out.push(widget_assets::config_json(&self.project.config, &self.project.notice)?);
        Ok(out)
    }

    /// The privacy-notice page.
    pub fn render_privacy(&self) -> Result<Output, BuildError> {
        let p = &self.project;
        let title =
            if p.config.default_locale() == Locale::En { "Privacy policy" } else { "Politique de confidentialité" };
        let description = format!("{} — {}", title, p.config.controller().name);
        let path = p.privacy_path();
        let head = self.head(title, &description, &path, "website");
        let sections = privacy_page::sections(&p.notice, p.config.default_locale());
        let notices: Vec<Value> = sections
            .into_iter()
            .map(|s| {
                context! {
                    lang => s.lang,
                    anchor => s.anchor,
                    language_name => s.language_name,
                    version_label => s.version_label,
                    html => Value::from_safe_string(s.html),
                }
            })
            .collect();
        let ctx = context! {
            version => p.notice.version().to_string(),
            notices => notices,
            ..self.base(head, false)
        };
        Ok(Output::new(path, self.theme.render("privacy.html", ctx)?))
    }

    /// Every output: articles and listings, rendered in parallel; `tick` is called once per output.
    pub fn render_all(&self, tick: &(dyn Fn() + Sync)) -> Result<Vec<Output>, BuildError> {
        let mut outputs: Vec<Output> = self
            .pages
            .par_iter()
            .map(|p| {
                let o = self.render_article(p);
                tick();
                o
            })
            .collect::<Result<_, _>>()?;
        outputs.extend(self.render_listings()?);
        Ok(outputs)
    }

    /// How many outputs a full build writes, roughly (for the progress bar).
    pub fn output_estimate(&self) -> usize {
        let per = self.project.site.per_page.max(1);
        self.pages.len() * 2 + self.pages.len().div_ceil(per) + 8
    }
}

fn sort(pages: &mut [Page]) {
    pages.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.meta.title.cmp(&b.meta.title)));
}

fn unknown_cta(file: &str, line: usize, column: usize, id: &str, known: &[&str]) -> Located {
    Located {
        file: file.to_owned(),
        line,
        column,
        message: format!("unknown CTA `{id}`"),
        hint: Some(format!("the CTAs of consent.toml are: {}", known.join(", "))),
    }
}

/// Names the page a template failed on.
fn in_page(err: BuildError, page: &Page) -> BuildError {
    match err {
        BuildError::Template { name, message } => {
            BuildError::Template { name, message: format!("{message} (while rendering {})", page.file) }
        }
        other => other,
    }
}
