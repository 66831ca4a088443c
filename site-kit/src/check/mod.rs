//! `site-kit check`: the compliance lint of DESIGN §4 and §9. Each [`Finding`] says where (file:line:column),
//! what the law or practice says, and how to fix it; errors make the command exit 1.
//!
//! Rules: `config` and its refinements `pre-ticked`, `regime`, `purpose`, `cta`, `controller` (the validation
//! of `consent.toml`, from [`consent::ConfigError`]); `regime` (an explanation of what the regime allows);
//! `dpo`, `english`, `privacy-url`, `minimisation` (purposes declare exactly the data categories the fields
//! collect) and `service-fields` (a service CTA requires only what its service `needs`); `art13` (the privacy page
//! covers every GDPR art. 13 item with the configured values) and `rights` (each right promised through the manage
//! link is offered there); `front-matter`, `cta` (unknown CTA in an article), `portrait-consent`, `alt-text`,
//! `links` (broken internal links), `unsafe-url` (a link or image URL with a refused scheme), `raw-html` (raw HTML
//! left out of the page) and `no-cta` on the content.

mod config_rules;
mod content_rules;
mod links;
mod manage_rights;
mod privacy_rules;
mod toml_place;

use crate::project::{CONSENT_FILE, Project};
use std::fmt;
use std::path::Path;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The site breaks the law or cannot be built: exit 1.
    Error,
    /// Probably wrong; worth fixing.
    Warning,
    /// An explanation, nothing to fix.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One finding of the lint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error, warning or info.
    pub severity: Severity,
    /// The rule's name, e.g. `portrait-consent`.
    pub rule: &'static str,
    /// The file, relative to the site directory.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was found.
    pub message: String,
    /// What the law or the practice says.
    pub law: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}\n  law: {}\n  fix: {}",
            self.file, self.line, self.column, self.severity, self.rule, self.message, self.law, self.fix
        )
    }
}

/// Every finding of one run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Findings, errors first, then by file and line.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether an error was found.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Findings of one rule.
    pub fn of_rule(&self, rule: &str) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.rule == rule).collect()
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}\n")?;
        }
        write!(
            f,
            "{} error(s), {} warning(s), {} note(s)",
            self.count(Severity::Error),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )
    }
}

/// Lints the site in `dir` (or a lone `consent.toml` given as a file).
pub fn check(dir: &Path) -> Report {
    let mut findings = Vec::new();
    let site_dir =
        if dir.is_dir() { dir.to_owned() } else { dir.parent().map_or_else(|| dir.to_owned(), Path::to_owned) };
    let consent_label = if dir.is_dir() { CONSENT_FILE.to_owned() } else { dir.display().to_string() };
    let mut notice_line = 1;
    let config = match Project::read_consent(dir) {
        Err(e) => {
            findings.push(Finding {
                severity: Severity::Error,
                rule: "config",
                file: consent_label,
                line: 1,
                column: 1,
                message: format!("cannot read consent.toml: {e}"),
                law:
                    "GDPR art. 13: the controller must give alumni the notice, which site-kit renders from consent.toml"
                        .to_owned(),
                fix: "run `site-kit init DIR` for a commented template".to_owned(),
            });
            None
        }
        Ok((src, _)) => match consent::Config::from_toml_str(&src, &consent_label) {
            Ok(config) => {
                notice_line = config_rules::line_of(&src, "[notice]");
                findings.extend(config_rules::lint(&config, &src, &consent_label));
                Some(config)
            }
            Err(err) => {
                findings.extend(config_rules::from_error(&err));
                None
            }
        },
    };
    if dir.is_dir() {
        let project = config.as_ref().and_then(|_| Project::load(&site_dir).ok());
        if let Some(project) = &project {
            findings.extend(privacy_rules::lint(project, notice_line));
        }
        findings.extend(content_rules::lint(&site_dir, config.as_ref(), project.as_ref()));
    }
    findings.sort_by(|a, b| (a.severity, &a.file, a.line, a.column).cmp(&(b.severity, &b.file, b.line, b.column)));
    Report { findings }
}
