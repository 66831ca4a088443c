//! The rows of a graduates list: each checked as the form checks a submission (the same rules, from
//! `consent::protocol::rules`), plus what only a file can get wrong: a formula-looking cell, an address twice,
//! a row with more cells than the header. Every problem names its line and column.

use super::columns::Columns;
use super::{ImportError, Problem, ProblemKind};
use crate::ledger::import::ImportedPerson;
use consent::protocol::{FieldErrorCode, FieldSpec, SubmissionError, check_subject};
use std::collections::{BTreeMap, HashMap};

/// What the rows hold.
#[derive(Debug, Default)]
pub struct Rows {
    /// Rows with at least one non-empty cell (the header excluded).
    pub rows: u64,
    /// Empty rows, skipped.
    pub blank: u64,
    /// The rows without any problem.
    pub people: Vec<ImportedPerson>,
    /// Every problem, in line order.
    pub problems: Vec<Problem>,
}

/// Whether a cell would run as a formula in a spreadsheet: `=…`, or `+`, `-`, `@` before a function call
/// (`+HYPERLINK(…)`, `@SUM(…)`). A phone number (`+33 6…`) or a dash is not one.
pub fn looks_like_formula(value: &str) -> bool {
    value.starts_with('=') || (value.starts_with(['+', '-', '@']) && value.contains('('))
}

/// Line numbers as an editor shows them. The `csv` crate's own line count is wrong after a blank line or with
/// CRLF (Excel's line ends), and its byte offset is where it began reading, before the line ends it skipped:
/// the record starts past those.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a [u8],
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes a decoded file.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let text = text.as_bytes();
        LineIndex { text, newlines: text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect() }
    }

    /// The line of the record (or error) that the parser began reading at this byte.
    pub fn line(&self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return 0 };
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        self.newlines.partition_point(|&n| n < start) as u64 + 1
    }
}

/// Reads and checks every row after the header.
pub fn check_rows(
    records: impl Iterator<Item = Result<csv::StringRecord, csv::Error>>,
    lines: &LineIndex<'_>,
    width: usize,
    columns: &Columns,
    fields: &[FieldSpec],
) -> Result<Rows, ImportError> {
    let mut out = Rows::default();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = record.map_err(|e| super::csv_error(e, lines))?;
        let line = lines.line(record.position());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            out.blank += 1;
            continue;
        }
        out.rows += 1;
        let before = out.problems.len();
        if record.len() > width && record.iter().skip(width).any(|cell| !cell.trim().is_empty()) || record.len() < width
        {
            out.problems.push(Problem {
                line,
                column: None,
                kind: ProblemKind::Cells { found: record.len(), expected: width },
            });
            continue;
        }
        let mut subject = BTreeMap::new();
        for (index, header, field) in &columns.mapped {
            let value = record.get(*index).unwrap_or("").trim();
            if looks_like_formula(value) {
                out.problems.push(Problem {
                    line,
                    column: Some(header.clone()),
                    kind: ProblemKind::Formula { value: shown(value) },
                });
            } else if !value.is_empty() {
                let value = if field == "email" { crate::intake::normalise_email(value) } else { value.to_owned() };
                subject.insert(field.clone(), value);
            }
        }
        let formula_fields: Vec<&str> = out.problems[before..]
            .iter()
            .filter_map(|p| p.column.as_deref())
            .filter_map(|h| columns.mapped.iter().find(|(_, header, _)| header == h).map(|(_, _, f)| f.as_str()))
            .collect();
        if let Err(SubmissionError::Fields(errors)) = check_subject(fields, &subject) {
            for error in errors.into_iter().filter(|e| !formula_fields.contains(&e.field.as_str())) {
                let column = columns.mapped.iter().find(|(_, _, f)| *f == error.field).map(|(_, h, _)| h.clone());
                let value = subject.get(&error.field).map(|v| shown(v)).unwrap_or_default();
                out.problems.push(Problem {
                    line,
                    column,
                    kind: ProblemKind::Field { field: error.field, code: error.code, value },
                });
            }
        }
        let email = subject.get("email").cloned().unwrap_or_default();
        if out.problems.len() == before && email.parse::<lettre::Address>().is_err() {
            // The form's check passed but the mail library would refuse it: the person could never be written to.
            out.problems.push(Problem {
                line,
                column: columns.mapped.iter().find(|(_, _, f)| f == "email").map(|(_, h, _)| h.clone()),
                kind: ProblemKind::Field { field: "email".into(), code: FieldErrorCode::Email, value: shown(&email) },
            });
        }
        if out.problems.len() > before {
            continue;
        }
        match first_line_of.get(&email) {
            Some(&first_line) => out.problems.push(Problem {
                line,
                column: columns.mapped.iter().find(|(_, _, f)| f == "email").map(|(_, h, _)| h.clone()),
                kind: ProblemKind::Duplicate { first_line, value: shown(&email) },
            }),
            None => {
                first_line_of.insert(email.clone(), line);
                out.people.push(ImportedPerson { line, email, subject });
            }
        }
    }
    Ok(out)
}

/// A value as shown in a problem: at most 60 characters, invisible ones escaped.
fn shown(value: &str) -> String {
    let mut text: String = value.chars().take(60).collect::<String>().escape_debug().to_string();
    if value.chars().count() > 60 {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{LineIndex, looks_like_formula};

    fn lines_of(text: &str) -> Vec<u64> {
        let index = LineIndex::new(text);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        reader.records().map(|r| index.line(r.unwrap().position())).collect()
    }

    #[test]
    fn lines_are_counted_as_an_editor_shows_them() {
        assert_eq!(lines_of("a\nb\n\nc\n"), [1, 2, 4]);
        assert_eq!(lines_of("a\r\nb\r\n\r\nc\r\n"), [1, 2, 4]);
        assert_eq!(lines_of("a\r\n\"x\r\ny\"\r\n\r\n\r\nc\r\n"), [1, 2, 6]);
        assert_eq!(lines_of("\n\na;b\n;c"), [3, 4]);
    }

    #[test]
    fn formulas_are_told_from_phone_numbers_and_dashes() {
        assert!(looks_like_formula("=HYPERLINK(\"http://x\",\"Dupont\")"));
        assert!(looks_like_formula("=1+1"));
        assert!(looks_like_formula("+HYPERLINK(\"x\")"));
        assert!(looks_like_formula("@SUM(A1:A2)"));
        assert!(looks_like_formula("-cmd(1)"));
        assert!(!looks_like_formula("+33 6 00 00 00 00"));
        assert!(!looks_like_formula("-"));
        assert!(!looks_like_formula("Jean-Pierre"));
        assert!(!looks_like_formula("Ingénieur (apprentissage)"));
    }
}
