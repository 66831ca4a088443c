//! The widget's files in the built site: `widget/config.json` (the static [`WidgetConfig`], so pages need no
//! request to the collector before showing a form) and the bundle copied from `dist/widget/`.

use crate::error::BuildError;
use crate::output::{Output, copy_tree};
use consent::protocol::WidgetConfig;
use consent::{Config, Notice};
use std::path::{Path, PathBuf};

/// Site path of the widget configuration.
pub const CONFIG_PATH: &str = "/widget/config.json";

/// `widget/config.json`.
pub fn config_json(config: &Config, notice: &Notice) -> Result<Output, BuildError> {
    let widget = WidgetConfig::from_config(config, notice);
    let json = serde_json::to_string_pretty(&widget)
        .map_err(|e| BuildError::Template { name: CONFIG_PATH.to_owned(), message: e.to_string() })?;
    Ok(Output::new(CONFIG_PATH, json))
}

/// Where the widget bundle is: `explicit`, or `dist/widget` in the site directory or one of its ancestors (the
/// workspace root), or in the current directory's ancestors.
pub fn find_bundle(explicit: Option<&Path>, site_dir: &Path) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(dir.to_owned());
    }
    let site_dir = site_dir.canonicalize().unwrap_or_else(|_| site_dir.to_owned());
    let cwd = std::env::current_dir().ok();
    let starts = std::iter::once(site_dir).chain(cwd);
    for start in starts {
        for dir in start.ancestors() {
            let candidate = dir.join("dist").join("widget");
            if candidate.join("alumni-consent.js").is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Copies the bundle into `out/widget/`; returns how many files were copied.
pub fn copy_bundle(bundle: &Path, out: &Path) -> Result<usize, BuildError> {
    copy_tree(bundle, &out.join("widget"))
}
