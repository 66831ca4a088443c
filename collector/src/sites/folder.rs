//! Where `serve` reads its sites: `--config FILE`s and `--sites DIR` (every `DIR/*/consent.toml`), read once at
//! start and again on each SIGHUP. A reload serves a changed or added site from then on; a file that no longer
//! validates is refused with the same located errors as `site-kit check`, and the version already served stays.

use super::{Site, Sites};
use crate::clock::SharedClock;
use crate::ledger::{Ledger, LedgerError};
use crate::writer::Writer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files and folder the sites come from, and what their widgets are told.
#[derive(Debug, Clone)]
pub struct SiteSources {
    /// `--config` files.
    pub files: Vec<PathBuf>,
    /// `--sites DIR`.
    pub dir: Option<PathBuf>,
    /// The collector's public receipt key, written into each widget configuration.
    pub public_key: String,
    /// The collector's public URL, the widgets' endpoint.
    pub public_url: String,
}

/// Why a source could not be read or a site not loaded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A file or the folder could not be read.
    #[error("reading {path}: {error}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The system's error.
        error: std::io::Error,
    },
    /// A configuration does not validate (the text holds file:line:col and a hint).
    #[error("{0}")]
    Invalid(consent::ConfigError),
    /// Two files declare the same `site`.
    #[error("{path}: site `{site}` is already declared by {first}; each site has one consent.toml")]
    Duplicate {
        /// The second file.
        path: PathBuf,
        /// The site id.
        site: String,
        /// The first file.
        first: PathBuf,
    },
    /// `--sites DIR` holds no `*/consent.toml` at all.
    #[error("{0}: no */consent.toml in this folder (one sub-folder a site, each with its consent.toml)")]
    Empty(PathBuf),
}

/// What a reload did.
#[derive(Debug, Default)]
pub struct Reload {
    /// Sites served for the first time.
    pub added: Vec<String>,
    /// Sites whose new version is served.
    pub changed: Vec<String>,
    /// Sites whose file did not change.
    pub unchanged: usize,
    /// Files refused; the version served before (if any) stays.
    pub refused: Vec<SourceError>,
}

impl SiteSources {
    /// Every configuration file: the `--config` ones, then `DIR/*/consent.toml` in name order.
    pub fn paths(&self) -> Result<Vec<PathBuf>, SourceError> {
        let mut paths = self.files.clone();
        if let Some(dir) = &self.dir {
            let read = |error| SourceError::Read { path: dir.clone(), error };
            let mut found = Vec::new();
            for entry in std::fs::read_dir(dir).map_err(read)? {
                let candidate = entry.map_err(read)?.path().join("consent.toml");
                if candidate.is_file() {
                    found.push(candidate);
                }
            }
            if found.is_empty() {
                return Err(SourceError::Empty(dir.clone()));
            }
            found.sort();
            paths.extend(found);
        }
        Ok(paths)
    }

    /// Loads one file.
    fn load(&self, path: &Path) -> Result<Site, SourceError> {
        let text = std::fs::read_to_string(path).map_err(|error| SourceError::Read { path: path.to_owned(), error })?;
        Site::load(&text, &path.display().to_string(), &self.public_key, Some(&self.public_url))
            .map_err(SourceError::Invalid)
    }

    /// Loads every site for the start of `serve`: any error stops the start, all of them listed.
    pub fn load_all(&self) -> Result<Vec<Site>, Vec<SourceError>> {
        let paths = self.paths().map_err(|e| vec![e])?;
        let mut sites: Vec<Site> = Vec::new();
        let mut from: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut errors = Vec::new();
        for path in paths {
            match self.load(&path) {
                Ok(site) => {
                    let id = site.config.site().to_string();
                    if let Some(first) = from.get(&id) {
                        errors.push(SourceError::Duplicate { path, site: id, first: first.clone() });
                    } else {
                        from.insert(id, path);
                        sites.push(site);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(sites) } else { Err(errors) }
    }

    /// Reads every file again and serves what changed, each new version stored in the ledger (configuration and
    /// notice text) before it is served, so that every record made under it finds its notice.
    pub async fn reload(&self, sites: &Sites, writer: &Writer, clock: &SharedClock) -> Reload {
        let mut report = Reload::default();
        let paths = match self.paths() {
            Ok(paths) => paths,
            Err(e) => {
                report.refused.push(e);
                return report;
            }
        };
        let mut from: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in paths {
            let site = match self.load(&path) {
                Ok(site) => site,
                Err(e) => {
                    report.refused.push(e);
                    continue;
                }
            };
            let id = site.config.site().to_string();
            if let Some(first) = from.get(&id) {
                report.refused.push(SourceError::Duplicate { path, site: id, first: first.clone() });
                continue;
            }
            from.insert(id.clone(), path);
            let served = sites.get(&id);
            if served.as_ref().is_some_and(|s| s.toml == site.toml) {
                report.unchanged += 1;
                continue;
            }
            let now = clock.now_ms();
            let (toml, notice_version, notice_text) = stored_form(&site);
            let stored = writer
                .run(move |l| {
                    l.store().put_site(&id, &toml, now)?;
                    l.store().put_notice(&notice_version, &notice_text, now)?;
                    Ok::<(), LedgerError>(())
                })
                .await;
            let id = site.config.site().to_string();
            match stored {
                Ok(()) => {
                    sites.install(site);
                    if served.is_some() { report.changed.push(id) } else { report.added.push(id) }
                }
                Err(e) => {
                    tracing::error!(site = %id, error = %e, "a reloaded site could not be stored; the version served before stays")
                }
            }
        }
        report
    }
}

/// What the ledger keeps of a site: its configuration text, its notice version and the notice's canonical text.
fn stored_form(site: &Site) -> (String, String, String) {
    let text = String::from_utf8_lossy(&site.notice.canonical_bytes()).into_owned();
    (site.toml.clone(), site.notice.version().as_str().to_owned(), text)
}

/// Stores every site's configuration and notice (at the start of `serve`, inside its first transaction).
pub fn store_all(ledger: &mut Ledger, sites: &Sites, now: i64) -> Result<(), LedgerError> {
    for site in sites.iter() {
        let (toml, version, text) = stored_form(&site);
        ledger.store().put_site(site.config.site().as_str(), &toml, now)?;
        ledger.store().put_notice(&version, &text, now)?;
    }
    Ok(())
}

/// Reloads on every SIGHUP until the server stops, logging what changed and each refusal in full.
#[cfg(unix)]
pub async fn reload_on_hangup(
    mut hangup: tokio::signal::unix::Signal,
    sources: SiteSources,
    sites: Sites,
    writer: Writer,
    clock: SharedClock,
) {
    while hangup.recv().await.is_some() {
        let report = sources.reload(&sites, &writer, &clock).await;
        for refused in &report.refused {
            tracing::error!(error = %refused, "site refused on reload; the version served before stays");
        }
        tracing::info!(
            added = ?report.added,
            changed = ?report.changed,
            unchanged = report.unchanged,
            refused = report.refused.len(),
            "sites reloaded"
        );
    }
}
