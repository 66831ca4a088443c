//! Located, hinted configuration errors: `consent.toml:12:1: error: …` then `hint: …`.

use std::fmt;
use std::ops::Range;

/// One problem in a configuration file, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file name as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: {}", self.file, self.line, self.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in a configuration file (validation does not stop at the first).
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

/// Turns byte spans into line and column for one source text.
pub(crate) struct Locator<'a> {
    file: &'a str,
    src: &'a str,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(file: &'a str, src: &'a str) -> Self {
        Locator { file, src }
    }

    pub(crate) fn at(&self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) -> Diagnostic {
        let start = span.start.min(self.src.len());
        let before = self.src.get(..start).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic { file: self.file.to_owned(), line, column, message: message.into(), hint }
    }
}
