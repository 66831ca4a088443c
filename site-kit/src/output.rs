//! Writing the built files: one buffered write per file, in parallel.

use crate::error::BuildError;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Site path: `/slug/` (written as `slug/index.html`) or `/atom.xml`.
    pub path: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Output {
    /// A file at `path` with `text`.
    pub fn new(path: impl Into<String>, text: impl Into<Vec<u8>>) -> Self {
        Output { path: path.into(), bytes: text.into() }
    }
}

/// Where a site path is written under `out`.
pub fn file_of(out: &Path, path: &str) -> PathBuf {
    let rel = path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') { out.join(rel).join("index.html") } else { out.join(rel) }
}

/// Writes one output.
pub fn write(out: &Path, output: &Output) -> Result<(), BuildError> {
    let file = file_of(out, &output.path);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| BuildError::io(dir, e))?;
    }
    std::fs::write(&file, &output.bytes).map_err(|e| BuildError::io(&file, e))
}

/// Writes one output unless the file already holds these bytes, so that serve's rebuilds touch only what
/// changed (a full build skips the comparison: one more file open per output is a third of its time).
pub fn write_if_changed(out: &Path, output: &Output) -> Result<(), BuildError> {
    let file = file_of(out, &output.path);
    if std::fs::read(&file).is_ok_and(|old| old == output.bytes) {
        return Ok(());
    }
    write(out, output)
}

/// Writes every output in parallel, calling `tick` after each.
pub fn write_all(out: &Path, outputs: &[Output], tick: &(dyn Fn() + Sync)) -> Result<(), BuildError> {
    outputs.par_iter().try_for_each(|o| {
        write(out, o)?;
        tick();
        Ok(())
    })
}

/// Copies the tree `from` into `to` (files only, replacing existing ones).
pub fn copy_tree(from: &Path, to: &Path) -> Result<usize, BuildError> {
    let mut copied = 0;
    if !from.is_dir() {
        return Ok(0);
    }
    let mut stack = vec![from.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| BuildError::io(&dir, e))? {
            let entry = entry.map_err(|e| BuildError::io(&dir, e))?;
            let path = entry.path();
            let rel = path.strip_prefix(from).unwrap_or(&path);
            let target = to.join(rel);
            if path.is_dir() {
                stack.push(path);
            } else {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
                }
                std::fs::copy(&path, &target).map_err(|e| BuildError::io(&target, e))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}
