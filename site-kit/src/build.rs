//! `site-kit build`: load, render every output in parallel, write them, copy `static/` and the widget bundle.

use crate::error::BuildError;
use crate::output::{self, copy_tree};
use crate::site::Site;
use crate::widget_assets;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A progress bar is shown above this many outputs.
const PROGRESS_THRESHOLD: usize = 200;

/// Options of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Output directory; `DIR/public` when `None`.
    pub out: Option<PathBuf>,
    /// Where the widget bundle is; searched for as `dist/widget` when `None`.
    pub widget_dir: Option<PathBuf>,
    /// Inject the live-reload script (serve only).
    pub live_reload: bool,
    /// Show a progress bar on long builds.
    pub progress: bool,
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Output directory.
    pub out: PathBuf,
    /// Articles written.
    pub articles: usize,
    /// Files written (pages, feeds, assets).
    pub files: usize,
    /// The widget bundle copied, if found.
    pub widget_bundle: Option<PathBuf>,
    /// The notice version of the privacy page.
    pub notice_version: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl BuildOptions {
    /// The output directory for `dir`.
    pub fn out_dir(&self, dir: &Path) -> PathBuf {
        self.out.clone().unwrap_or_else(|| dir.join("public"))
    }
}

/// Builds the site in `dir`.
pub fn build(dir: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let site = Site::load(dir, options.live_reload)?;
    write_site(&site, options, started)
}

/// Writes every output of a loaded site (serve calls this for full rebuilds).
pub fn write_site(site: &Site, options: &BuildOptions, started: Instant) -> Result<BuildReport, BuildError> {
    let out = options.out_dir(&site.project.dir);
    let estimate = site.output_estimate();
    let bar = if options.progress && estimate > PROGRESS_THRESHOLD {
        let bar = ProgressBar::with_draw_target(Some(estimate as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    bar.set_message("rendu");
    let outputs = site.render_all(&|| bar.inc(1))?;
    bar.set_message("écriture");
    std::fs::create_dir_all(&out).map_err(|e| BuildError::io(&out, e))?;
    // Static files first: the generated theme.css replaces nothing a site ships in `static/`.
    let mut files = copy_tree(&site.project.dir.join("static"), &out)?;
    let own_css = site.project.dir.join("static").join("theme.css").is_file();
    let outputs: Vec<_> = outputs.into_iter().filter(|o| !(own_css && o.path == "/theme.css")).collect();
    output::write_all(&out, &outputs, &|| bar.inc(1))?;
    files += outputs.len();
    let widget_bundle = widget_assets::find_bundle(options.widget_dir.as_deref(), &site.project.dir);
    if let Some(bundle) = &widget_bundle {
        files += widget_assets::copy_bundle(bundle, &out)?;
    }
    bar.finish_and_clear();
    Ok(BuildReport {
        out,
        articles: site.pages.len(),
        files,
        widget_bundle,
        notice_version: site.project.notice.version().to_string(),
        elapsed: started.elapsed(),
    })
}
