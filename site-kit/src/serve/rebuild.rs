//! Watching the site's sources and rebuilding what changed: an edited article re-renders only its own page
//! (and the lists, feed and sitemap when its title, date, tags or summary moved); anything else rebuilds all.

use crate::build::{BuildOptions, write_site};
use crate::content::Page;
use crate::error::BuildError;
use crate::output;
use crate::site::Site;
use consent::Locale;
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Events closer than this are handled together (an editor's save is often several events).
const SETTLE: Duration = Duration::from_millis(5);
/// How long a file being written may stay open before it is read anyway.
const WRITING: Duration = Duration::from_millis(250);

/// Starts the watcher and its rebuild thread; keep the returned watcher alive.
pub fn watch(
    site: Site,
    options: BuildOptions,
    reload: broadcast::Sender<()>,
) -> Result<RecommendedWatcher, notify::Error> {
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    let dir = site.project.dir.clone();
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    for sub in ["content", "templates", "static"] {
        let path = dir.join(sub);
        if path.is_dir() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    std::thread::spawn(move || run(site, options, rx, reload));
    Ok(watcher)
}

fn run(
    mut site: Site,
    options: BuildOptions,
    rx: mpsc::Receiver<notify::Result<notify::Event>>,
    reload: broadcast::Sender<()>,
) {
    let dir = site.project.dir.clone();
    while let Ok(first) = rx.recv() {
        let started = Instant::now();
        let Some(paths) = settle(first, &rx, started) else { return };
        let started_work = Instant::now();
        let paths: Vec<PathBuf> = paths.into_iter().filter(|p| relevant(&dir, p)).collect();
        if paths.is_empty() {
            continue;
        }
        let articles: Vec<&PathBuf> = paths.iter().filter(|p| is_article(&dir, p)).collect();
        let outcome = if articles.len() == paths.len() {
            articles.iter().try_for_each(|p| update_article(&mut site, &options, p))
        } else {
            full(&dir, &options).map(|s| site = s)
        };
        let names: Vec<String> = paths.iter().map(|p| site.project.relative(p)).collect();
        match outcome {
            Ok(()) => {
                println!(
                    "rebuilt {} in {:.1} ms ({:.1} ms since the change)",
                    names.join(", "),
                    started_work.elapsed().as_secs_f64() * 1000.0,
                    started.elapsed().as_secs_f64() * 1000.0
                );
                let _ = reload.send(());
            }
            Err(e) => eprintln!("{e}\n(the preview keeps the last good build)"),
        }
    }
}

fn relevant(dir: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(dir) else { return false };
    let first = rel.components().next().and_then(|c| c.as_os_str().to_str()).unwrap_or("");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // Editors' temporary files are not sources.
    let temporary = name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp");
    !temporary && (matches!(first, "content" | "templates" | "static") || matches!(name, "consent.toml" | "site.toml"))
}

fn is_article(dir: &Path, path: &Path) -> bool {
    path.starts_with(dir.join("content")) && path.extension().is_some_and(|e| e == "md")
}

fn full(dir: &Path, options: &BuildOptions) -> Result<Site, BuildError> {
    let site = Site::load(dir, true)?;
    write_site(&site, options, Instant::now())?;
    Ok(site)
}

/// Re-reads one article and writes what it changes.
fn update_article(site: &mut Site, options: &BuildOptions, path: &Path) -> Result<(), BuildError> {
    let out = options.out_dir(&site.project.dir);
    let file = site.project.relative(path);
    let french = site.project.config.default_locale() == Locale::Fr;
    let new = match std::fs::read_to_string(path) {
        Ok(src) => Some(Page::parse(path, &file, src, french).map_err(|e| BuildError::Content(vec![e]))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(BuildError::io(path, e)),
    };
    let position = site.pages.iter().position(|p| p.source == path);
    // The common case: the text changed, not what lists show. Only this page is rendered again.
    if let (Some(i), Some(page)) = (position, new.as_ref())
        && site.pages[i].listing_key() == page.listing_key()
        && !page.meta.draft
    {
        let errors = site.page_errors(std::slice::from_ref(page));
        if !errors.is_empty() {
            return Err(BuildError::Content(errors));
        }
        if let Some(page) = new {
            site.pages[i] = page;
        }
        return output::write(&out, &site.render_article(&site.pages[i])?);
    }
    let mut all: Vec<Page> = std::mem::take(&mut site.pages);
    all.append(&mut site.drafts);
    let old_url = all.iter().find(|p| p.source == path).map(|p| p.url.clone());
    all.retain(|p| p.source != path);
    if let Some(page) = new {
        all.push(page);
    }
    let errors = site.page_errors(&all);
    if !errors.is_empty() {
        // Keep serving the other pages; the broken one waits for its fix.
        all.retain(|p| p.source != path);
        site.set_pages(all)?;
        return Err(BuildError::Content(errors));
    }
    site.set_pages(all)?;
    if let Some(url) = old_url
        && !site.pages.iter().any(|p| p.url == url)
    {
        let _ = std::fs::remove_file(output::file_of(&out, &url));
    }
    if let Some(page) = site.pages.iter().find(|p| p.source == path) {
        output::write(&out, &site.render_article(page)?)?;
    }
    let listings = site.render_listings()?;
    listings.par_iter().try_for_each(|o| output::write_if_changed(&out, o))
}

/// Gathers the events of one save: a file being written (created or modified) is read only once it is closed
/// (inotify's close-after-write), or after [`WRITING`]; then [`SETTLE`] more for the rest of the save. `None`
/// when the watcher is gone.
fn settle(
    first: notify::Result<notify::Event>,
    rx: &mpsc::Receiver<notify::Result<notify::Event>>,
    started: Instant,
) -> Option<BTreeSet<PathBuf>> {
    let mut ready = BTreeSet::new();
    let mut writing = BTreeSet::new();
    let take = |e: notify::Result<notify::Event>, ready: &mut BTreeSet<PathBuf>, writing: &mut BTreeSet<PathBuf>| {
        let Ok(event) = e else { return };
        for path in event.paths {
            match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                    writing.remove(&path);
                    ready.insert(path);
                }
                EventKind::Access(_) => {}
                EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
                    writing.insert(path);
                }
                _ => {
                    ready.insert(path);
                }
            }
        }
    };
    take(first, &mut ready, &mut writing);
    loop {
        let wait = if writing.is_empty() { SETTLE } else { WRITING.saturating_sub(started.elapsed()) };
        if wait.is_zero() {
            break;
        }
        match rx.recv_timeout(wait) {
            Ok(e) => take(e, &mut ready, &mut writing),
            Err(mpsc::RecvTimeoutError::Timeout) if writing.is_empty() => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    }
    ready.append(&mut writing);
    Some(ready)
}
