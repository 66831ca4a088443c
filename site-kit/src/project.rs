//! A site directory on disk: `consent.toml` (validated), its notice, and `site.toml`.

use crate::error::{BuildError, Located};
use crate::site_config::SiteConfig;
use consent::{Config, Notice};
use std::path::{Path, PathBuf};

/// A loaded site directory (everything but the content).
#[derive(Debug, Clone)]
pub struct Project {
    /// The site directory.
    pub dir: PathBuf,
    /// The text of `consent.toml`, kept to locate findings.
    pub consent_src: String,
    /// The validated configuration.
    pub config: Config,
    /// The notice rendered from it.
    pub notice: Notice,
    /// `site.toml`, or defaults.
    pub site: SiteConfig,
}

/// Name of the consent file inside a site directory.
pub const CONSENT_FILE: &str = "consent.toml";
/// Name of the site settings file.
pub const SITE_FILE: &str = "site.toml";

impl Project {
    /// Reads `consent.toml` only: `path` is a site directory or the file itself. Returns the source and the file
    /// name used in diagnostics.
    pub fn read_consent(path: &Path) -> Result<(String, String), BuildError> {
        let file = if path.is_dir() { path.join(CONSENT_FILE) } else { path.to_owned() };
        let src = std::fs::read_to_string(&file).map_err(|e| BuildError::io(&file, e))?;
        Ok((src, file.display().to_string()))
    }

    /// Loads and validates a site directory.
    pub fn load(dir: &Path) -> Result<Project, BuildError> {
        let (consent_src, file) = Self::read_consent(dir)?;
        let config = Config::from_toml_str(&consent_src, &file)?;
        let notice = Notice::render(&config);
        let site_path = dir.join(SITE_FILE);
        let site = match std::fs::read_to_string(&site_path) {
            Ok(src) => SiteConfig::from_toml_str(&src, &site_path.display().to_string())
                .map_err(|e: Located| BuildError::Content(vec![e]))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SiteConfig::fallback(&config.controller().name),
            Err(e) => return Err(BuildError::io(site_path, e)),
        };
        Ok(Project { dir: dir.to_owned(), consent_src, config, notice, site })
    }

    /// The content folder.
    pub fn content_dir(&self) -> PathBuf {
        self.dir.join("content")
    }

    /// The site path of the privacy page: `notice.privacy_url` when it is a path of this site.
    pub fn privacy_path(&self) -> String {
        let url = &self.config.notice().privacy_url;
        if url.starts_with('/') { with_trailing_slash(url) } else { "/confidentialite/".to_owned() }
    }

    /// A file name relative to the site directory, for messages.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.dir).unwrap_or(path).display().to_string()
    }
}

/// `/a` → `/a/`, leaving `/a/` and `/a.xml` alone.
pub(crate) fn with_trailing_slash(path: &str) -> String {
    let last = path.rsplit('/').next().unwrap_or("");
    if path.ends_with('/') || last.contains('.') { path.to_owned() } else { format!("{path}/") }
}
