//! Shared helpers: example paths, temporary sites, builds, the binary.

use scraper::{Html, Selector};
use site_kit::{BuildOptions, BuildReport};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

/// The example site `name` (`association-exemple`, `ecole-exemple`).
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("examples").join(name)
}

/// Both examples.
pub const EXAMPLES: [&str; 2] = ["association-exemple", "ecole-exemple"];

/// Builds `dir` into a new temporary directory.
pub fn build(dir: &Path) -> (TempDir, BuildReport) {
    let out = tempfile::tempdir().unwrap();
    let options = BuildOptions { out: Some(out.path().to_owned()), ..BuildOptions::default() };
    let report = site_kit::build(dir, &options).unwrap_or_else(|e| panic!("build of {} failed: {e}", dir.display()));
    (out, report)
}

/// Every file under `dir` with extension `ext`, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The text of a built file for a site path (`/slug/` → `slug/index.html`).
pub fn page(out: &Path, path: &str) -> String {
    let rel = path.trim_start_matches('/');
    let file = if rel.is_empty() || rel.ends_with('/') { out.join(rel).join("index.html") } else { out.join(rel) };
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The `content` attribute of every element matching `selector`.
pub fn attrs(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).filter_map(|e| e.value().attr(attr).map(str::to_owned)).collect()
}

/// Slugs of the Markdown files of an example (all published).
pub fn article_slugs(site: &Path) -> Vec<String> {
    files(&site.join("content"), "md").iter().map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned()).collect()
}

/// A new site: the association's consent.toml plus `files` (path, text).
pub fn site_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let consent = std::fs::read_to_string(example("association-exemple").join("consent.toml")).unwrap();
    std::fs::write(dir.path().join("consent.toml"), consent).unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Runs the real `site-kit` binary.
pub fn site_kit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_site-kit")).args(args).output().unwrap()
}

/// stdout and stderr as text.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
