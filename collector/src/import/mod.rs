//! `collector import`: a school's graduates list (what its student-records office exports) → subjects held
//! under the site's soft opt-in purposes, never a consent; and consents collected before, kept apart.
//!
//! [`plan`] reads and checks the whole file without touching the ledger: [`decode`] (UTF-8, UTF-16 or
//! Windows-1252, BOM, mixed encodings refused), the delimiter (`;`, `,` or tab, sniffed from the header),
//! [`columns`] (header → fields), [`rows`] (each row checked like a form submission). The regime decides first
//! whether anything may be imported at all. The real run then records the plan's people in one ledger
//! transaction ([`crate::ledger::Ledger::import`]): every row or none. [`legacy`] counts and exports the
//! consents from before, "à reconfirmer".

pub mod columns;
pub mod decode;
pub mod legacy;
pub mod rows;

use crate::ledger::import::{ImportOutcome, ImportedPerson, LegacyConsent};
use crate::ledger::sha256_hex;
use crate::sites::Site;
use consent::protocol::{FieldErrorCode, is_hidden};
use consent::{LegalBasis, Regime};
use decode::Encoding;
use std::fmt;

/// The largest file read (a list of 1,000,000 graduates is ≈ 100 MB).
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Why a file cannot be imported at all (nothing is recorded).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The site's regime forbids importing people without a prior consent (an autonomous association).
    #[error(
        "le régime du site (« association ») interdit d'importer des personnes sans consentement préalable : {fr} \
         Seuls des consentements recueillis avant peuvent être apportés (--legacy-consent FINALITÉ --evidence \
         « … »). — The site's regime (`association`) forbids importing people without prior consent: {en} Only \
         consents collected before may be brought in (--legacy-consent PURPOSE --evidence \"…\")."
    )]
    Regime {
        /// The French explanation (as `site-kit check` gives it).
        fr: &'static str,
        /// The English one.
        en: &'static str,
    },
    /// The site has no soft opt-in purpose, so imported people could be held under none.
    #[error(
        "le site n'a aucune finalité `basis = \"soft_opt_in\"` : toutes reposent sur le consentement, et une \
         liste importée n'en apporte aucun. {fr} — The site has no `basis = \"soft_opt_in\"` purpose: every \
         purpose rests on consent, which an imported list does not carry. {en}"
    )]
    NoSoftOptIn {
        /// The regime's French explanation.
        fr: &'static str,
        /// The English one.
        en: &'static str,
    },
    /// `--legacy-consent` names a purpose that cannot take one.
    #[error("{0}")]
    LegacyPurpose(String),
    /// `--source` or `--evidence` is empty, too long or holds invisible characters.
    #[error("{0}")]
    Label(String),
    /// The file is too large.
    #[error("fichier de plus de {} Mo — file larger than {} MB", MAX_FILE_BYTES >> 20, MAX_FILE_BYTES >> 20)]
    TooLarge,
    /// The file has no header row.
    #[error("fichier vide : il faut une ligne d'en-tête (Nom;Prénom;Courriel;…) — empty file: a header row is needed")]
    Empty,
    /// Part of the file is UTF-8 and part is not.
    #[error(
        "encodage mélangé : la ligne {utf8_line} est en UTF-8, la ligne {other_line} ne l'est pas (Windows-1252 ?) ; \
         réenregistrez tout le fichier dans un seul encodage (« CSV UTF-8 ») — mixed encodings: line {utf8_line} is \
         UTF-8, line {other_line} is not; save the whole file in one encoding (\"CSV UTF-8\")"
    )]
    MixedEncoding {
        /// A line that is UTF-8 with non-ASCII characters.
        utf8_line: u64,
        /// The first line that is not UTF-8.
        other_line: u64,
    },
    /// A file with a BOM that its content contradicts.
    #[error("le fichier annonce {detail} mais ne l'est pas — the file says {detail} but is not")]
    Encoding {
        /// The line.
        line: u64,
        /// What the BOM announced.
        detail: &'static str,
    },
    /// The CSV itself is malformed (an unclosed quote).
    #[error("CSV illisible : {message} — unreadable CSV")]
    Csv {
        /// The line where the record starts.
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// `--map` is not of the form `Header=field,…`, or names what is not there.
    #[error("{0}")]
    Map(String),
    /// The header row cannot be mapped to the site's fields.
    #[error("{message}")]
    Header {
        /// The header's line.
        line: u64,
        /// Why.
        message: String,
    },
}

impl ImportError {
    /// The line the error is at, if it is at one.
    pub fn line(&self) -> Option<u64> {
        match self {
            ImportError::MixedEncoding { other_line, .. } => Some(*other_line),
            ImportError::Encoding { line, .. } | ImportError::Csv { line, .. } | ImportError::Header { line, .. } => {
                Some(*line)
            }
            _ => None,
        }
    }

    /// `FILE:LINE: message`, as compilers write it.
    pub fn located(&self, file: &str) -> String {
        match self.line() {
            Some(line) => format!("{file}:{line}: {self}"),
            None => format!("{file}: {self}"),
        }
    }
}

fn csv_error(e: csv::Error, lines: &rows::LineIndex<'_>) -> ImportError {
    let line = lines.line(e.position());
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "caractère non UTF-8".to_owned(),
        _ => e.to_string(),
    };
    ImportError::Csv { line, message }
}

/// A row that cannot be imported, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line where the row starts.
    pub line: u64,
    /// The column's header, when one cell is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A cell that a spreadsheet would run as a formula: refused, never stored (it would reach every export).
    Formula {
        /// The cell, as shown.
        value: String,
    },
    /// A value the form would refuse (an email with a space or two `@`, a year out of range, a required field
    /// empty, invisible characters, too long).
    Field {
        /// The field.
        field: String,
        /// Why.
        code: FieldErrorCode,
        /// The value, as shown.
        value: String,
    },
    /// The same address as an earlier row (compared without case).
    Duplicate {
        /// The earlier row's line.
        first_line: u64,
        /// The address.
        value: String,
    },
    /// More (non-empty) or fewer cells than the header.
    Cells {
        /// Cells found.
        found: usize,
        /// Cells in the header.
        expected: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.column.as_deref().unwrap_or("");
        match &self.kind {
            ProblemKind::Formula { value } => write!(
                f,
                "colonne « {column} » : « {value} » ressemble à une formule de tableur ; saisissez la valeur \
                 elle-même — column `{column}`: looks like a spreadsheet formula; enter the value itself"
            ),
            ProblemKind::Field { field, code, value } => {
                let (fr, en) = match (code, field.as_str()) {
                    (FieldErrorCode::Email, _) => (
                        "n'est pas une adresse électronique (une seule @, pas d'espace)",
                        "is not an email address (one @, no space)",
                    ),
                    (FieldErrorCode::Year, _) => {
                        ("n'est pas une année de promotion plausible", "is not a plausible graduation year")
                    }
                    (FieldErrorCode::Required, _) => ("est vide alors que le champ est obligatoire", "is empty"),
                    (FieldErrorCode::Control, _) => {
                        ("contient des caractères invisibles ou de contrôle", "holds invisible or control characters")
                    }
                    (FieldErrorCode::TooLong, _) => ("est trop long", "is too long"),
                    (FieldErrorCode::Unknown, _) => ("n'est pas un champ du site", "is not a field of the site"),
                };
                write!(f, "colonne « {column} » ({field}) : « {value} » {fr} — column `{column}`: `{value}` {en}")
            }
            ProblemKind::Duplicate { first_line, value } => write!(
                f,
                "colonne « {column} » : « {value} » figure déjà ligne {first_line} (sans tenir compte de la casse) — \
                 column `{column}`: same address as line {first_line} (ignoring case)"
            ),
            ProblemKind::Cells { found, expected } => write!(
                f,
                "{found} cellules au lieu des {expected} de l'en-tête (séparateur ou guillemets ?) — {found} cells, \
                 the header has {expected}"
            ),
        }
    }
}

/// What the staff asked for.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Where the list comes from, e.g. "Scolarité, export du 2026-09-01" (enters the chain: no personal data).
    pub source: String,
    /// `--map "Header=field,…"`.
    pub map: Option<String>,
    /// `--legacy-consent PURPOSE --evidence "…"`.
    pub legacy: Option<LegacyConsent>,
}

/// The whole file, read and checked: what a run would record.
#[derive(Debug)]
pub struct Plan {
    /// SHA-256 of the file's bytes.
    pub file_sha256: String,
    /// The encoding read.
    pub encoding: Encoding,
    /// The delimiter found.
    pub delimiter: char,
    /// Header → fields.
    pub columns: columns::Columns,
    /// Rows and their problems.
    pub rows: rows::Rows,
    /// The soft opt-in purposes the people are held under.
    pub purposes: Vec<String>,
    /// The legacy consent carried, if any.
    pub legacy: Option<LegacyConsent>,
    /// The source.
    pub source: String,
}

impl Plan {
    /// The people to record.
    pub fn people(&self) -> &[ImportedPerson] {
        &self.rows.people
    }

    /// Whether any row is refused (then nothing is recorded).
    pub fn has_problems(&self) -> bool {
        !self.rows.problems.is_empty()
    }
}

fn check_label(what: &str, text: &str) -> Result<(), ImportError> {
    let count = text.trim().chars().count();
    if count == 0 || count > 200 || text.chars().any(is_hidden) {
        return Err(ImportError::Label(format!(
            "{what} : un texte de 1 à 200 caractères visibles, sans donnée personnelle (il entre dans le registre) \
             — {what}: 1 to 200 visible characters, no personal data (it enters the ledger)"
        )));
    }
    Ok(())
}

/// Whether the site may import at all, and under which purposes.
pub fn purposes_allowed(site: &Site, legacy: Option<&LegacyConsent>) -> Result<Vec<String>, ImportError> {
    let config = &site.config;
    let regime = config.controller().regime;
    if let Some(legacy) = legacy {
        match config.purpose(&legacy.purpose) {
            None => {
                let known: Vec<&str> = config.purposes().iter().map(|p| p.id.as_str()).collect();
                return Err(ImportError::LegacyPurpose(format!(
                    "--legacy-consent {0} : le site n'a pas de finalité « {0} » (finalités : {1}) — the site has no \
                     purpose `{0}`",
                    legacy.purpose,
                    known.join(", ")
                )));
            }
            Some(p) if p.basis == LegalBasis::SoftOptIn => {
                return Err(ImportError::LegacyPurpose(format!(
                    "--legacy-consent {0} : « {0} » repose sur le soft opt-in, pas sur un consentement ; importez sans \
                     --legacy-consent — purpose `{0}` rests on soft opt-in, not consent: import without \
                     --legacy-consent",
                    legacy.purpose
                )));
            }
            Some(_) => {}
        }
        check_label("--evidence", &legacy.evidence)?;
    } else if regime == Regime::Association {
        return Err(ImportError::Regime { fr: regime.explain_fr(), en: regime.explain_en() });
    }
    let purposes: Vec<String> =
        config.purposes().iter().filter(|p| p.basis == LegalBasis::SoftOptIn).map(|p| p.id.to_string()).collect();
    if purposes.is_empty() && legacy.is_none() {
        return Err(ImportError::NoSoftOptIn { fr: regime.explain_fr(), en: regime.explain_en() });
    }
    Ok(purposes)
}

/// The delimiter of the header line: the most frequent of `;`, `,` and tab outside quotes (`,` if none).
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(entry) = counts.iter_mut().find(|(d, _)| *d == b) {
            entry.1 += 1;
        }
    }
    counts.iter().filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n).map_or(b',', |(d, _)| *d)
}

/// Reads and checks a whole file: nothing is recorded.
pub fn plan(site: &Site, bytes: &[u8], options: &ImportOptions) -> Result<Plan, ImportError> {
    let purposes = purposes_allowed(site, options.legacy.as_ref())?;
    check_label("--source", &options.source)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge);
    }
    let file_sha256 = sha256_hex(bytes);
    let (text, encoding) = decode::decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let lines = rows::LineIndex::new(&text);
    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => return Err(ImportError::Empty),
            Some(record) => {
                let record = record.map_err(|e| csv_error(e, &lines))?;
                if !record.iter().all(|c| c.trim().is_empty()) {
                    break record;
                }
            }
        }
    };
    let headers: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let map = match &options.map {
        Some(map) => columns::parse_map(map)?,
        None => Vec::new(),
    };
    let header_line = lines.line(header.position());
    let at_header = |e: ImportError| ImportError::Header { line: header_line, message: e.to_string() };
    let columns = columns::map_columns(&site.config, &headers, &map).map_err(at_header)?;
    if let Some(field) = site.config.fields().iter().find(|f| f.required && columns.of(f.id.as_str()).is_none()) {
        return Err(ImportError::Header {
            line: header_line,
            message: format!(
                "le champ obligatoire « {0} » n'a pas de colonne (colonnes : {1}) ; indiquez-la avec --map \
             \"En-tête={0}\" — required field `{0}` has no column; name it with --map",
                field.id,
                headers.join(", ")
            ),
        });
    }
    let rows = rows::check_rows(records, &lines, headers.len(), &columns, &site.widget.fields)?;
    Ok(Plan {
        file_sha256,
        encoding,
        delimiter: char::from(delimiter),
        columns,
        rows,
        purposes,
        legacy: options.legacy.clone(),
        source: options.source.trim().to_owned(),
    })
}

/// The report a run prints: rows, problems with their lines, known addresses, what is (or would be) created.
pub fn report(file: &str, plan: &Plan, outcome: &ImportOutcome, dry_run: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let delimiter = if plan.delimiter == '\t' { "tab".to_owned() } else { plan.delimiter.to_string() };
    let _ = writeln!(
        out,
        "{file} : {}, séparateur « {delimiter} », SHA-256 {} — encoding, delimiter, SHA-256",
        plan.encoding.name(),
        plan.file_sha256
    );
    let mapped: Vec<String> = plan.columns.mapped.iter().map(|(_, h, f)| format!("{h} → {f}")).collect();
    let _ = writeln!(out, "colonnes / columns : {}", mapped.join(", "));
    if !plan.columns.ignored.is_empty() {
        let _ = writeln!(out, "colonnes non importées / columns not imported : {}", plan.columns.ignored.join(", "));
    }
    let _ = writeln!(out, "lignes / rows : {} (vides ignorées / blank skipped : {})", plan.rows.rows, plan.rows.blank);
    let _ = writeln!(out, "erreurs / errors : {}", plan.rows.problems.len());
    for problem in &plan.rows.problems {
        let _ = writeln!(out, "{file}:{}: {problem}", problem.line);
    }
    let known = &outcome.known;
    let lines: Vec<String> = known.iter().take(20).map(u64::to_string).collect();
    let more = if known.len() > 20 { ", …" } else { "" };
    let _ = writeln!(
        out,
        "déjà connus, laissés tels quels / already known, left as they are : {}{}",
        known.len(),
        if known.is_empty() { String::new() } else { format!(" (lignes / lines {}{more})", lines.join(", ")) }
    );
    if !outcome.objected.is_empty() {
        let lines: Vec<String> = outcome.objected.iter().take(20).map(u64::to_string).collect();
        let more = if outcome.objected.len() > 20 { ", …" } else { "" };
        let _ = writeln!(
            out,
            "opposés aux messages de l'école, laissés de côté / objected to the school's messages, left out : {} \
             (lignes / lines {}{more})",
            outcome.objected.len(),
            lines.join(", ")
        );
    }
    let created = outcome.created;
    let held = if plan.purposes.is_empty() { "—".to_owned() } else { plan.purposes.join(", ") };
    let verb = if dry_run { "seraient créées / would be created" } else { "créées / created" };
    let _ = writeln!(
        out,
        "personnes {verb} : {created}, tenues au seul titre du soft opt-in (aucun consentement) / held under soft \
         opt-in only (no consent) : {held}"
    );
    if let Some(legacy) = &plan.legacy {
        let _ = writeln!(
            out,
            "consentements antérieurs, à reconfirmer / consents from before, to reconfirm : {} pour / for « {} », \
             preuve / evidence « {} » (dont pour des personnes déjà connues / of which for people already held : {})",
            outcome.legacy,
            legacy.purpose,
            legacy.evidence,
            outcome.legacy.saturating_sub(created)
        );
    }
    if plan.has_problems() {
        let _ = writeln!(
            out,
            "rien n'a été importé : corrigez les lignes ci-dessus — nothing was imported: fix the lines above"
        );
    } else if dry_run {
        let _ = writeln!(out, "essai (--dry-run) : rien n'a été enregistré — dry run: nothing was recorded");
    }
    out
}
