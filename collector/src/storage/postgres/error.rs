//! What a PostgreSQL failure says in a log: the SQLSTATE, the constraint or table, the server's message — never
//! its DETAIL or HINT, which quote the row's values (`Key (email)=(ada@example.org) already exists`).

use std::fmt;

/// A PostgreSQL error, kept whole for code that inspects it, shown without the values it may quote.
#[derive(Debug)]
pub struct PgFailure {
    error: postgres::Error,
    context: Option<String>,
}

impl PgFailure {
    /// Wraps `error`, optionally saying what was being done (`migrating …`).
    pub fn new(error: postgres::Error, context: Option<String>) -> PgFailure {
        PgFailure { error, context }
    }

    /// The error as the client library gave it (its `Display` chain includes DETAIL: do not log it).
    pub fn error(&self) -> &postgres::Error {
        &self.error
    }

    /// The SQLSTATE code (`23505`), when the server answered.
    pub fn code(&self) -> Option<&str> {
        self.error.as_db_error().map(|db| db.code().code())
    }
}

impl fmt::Display for PgFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(context) = &self.context {
            write!(f, "{context}: ")?;
        }
        match self.error.as_db_error() {
            Some(db) => {
                write!(f, "PostgreSQL {} {}: {}", db.severity(), db.code().code(), db.message())?;
                if let Some(constraint) = db.constraint() {
                    write!(f, " (constraint {constraint})")?;
                } else if let Some(table) = db.table() {
                    write!(f, " (table {table})")?;
                }
                Ok(())
            }
            // Not the server's answer (I/O, a closed connection, a type mismatch): the client's own text and its
            // cause, which carry no row values.
            None => {
                write!(f, "PostgreSQL client: {}", self.error)?;
                if let Some(cause) = std::error::Error::source(&self.error) {
                    write!(f, ": {cause}")?;
                }
                Ok(())
            }
        }
    }
}

// No `source()`: a logger that walks the chain (anyhow's `{:#}`, tracing's error chains) would print the DbError
// with its DETAIL. The original stays reachable through `error()`.
impl std::error::Error for PgFailure {}
