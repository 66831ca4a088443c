//! The generator's errors: each one names the file (and line, when it has one) it comes from.

use std::fmt;
use std::path::PathBuf;

/// A problem at a place in a source file: `content/x.md:12:3: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file, relative to the site directory when possible.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: {}", self.file, self.line, self.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Why a site could not be loaded or built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `consent.toml` is invalid.
    #[error("{0}")]
    Config(#[from] consent::ConfigError),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// One or more source files are invalid (front matter, shortcodes, site.toml).
    #[error("{}", join(.0))]
    Content(Vec<Located>),
    /// A template failed to compile or render.
    #[error("template {name}: {message}")]
    Template {
        /// The template's name.
        name: String,
        /// minijinja's explanation, with its line.
        message: String,
    },
}

fn join(errors: &[Located]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

impl BuildError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BuildError::Io { path: path.into(), source }
    }

    /// A template error, with minijinja's detailed display (it names the line).
    pub(crate) fn template(name: &str, err: &minijinja::Error) -> Self {
        let mut message = err.to_string();
        if let Some(line) = err.line() {
            message = format!("line {line}: {message}");
        }
        BuildError::Template { name: name.to_owned(), message }
    }
}

/// Line and column (1-based) of byte `offset` in `src`.
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
