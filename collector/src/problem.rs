//! Errors as HTTP answers: RFC 9457 `application/problem+json`, one stable `type` per cause, worded in French
//! or English after `Accept-Language`. Internal errors are logged and answered with a generic `internal`.

use crate::ledger::LedgerError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use consent::Locale;
use consent::protocol::{FieldError, Problem, ProblemType};

/// An API error: a problem type, the locale to word it in, and per-field details.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The cause.
    pub kind: ProblemType,
    /// The reader's language.
    pub locale: Locale,
    /// Per-field errors (for `invalid-field`).
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// A problem of `kind`.
    pub fn new(kind: ProblemType, locale: Locale) -> ApiError {
        ApiError { kind, locale, errors: Vec::new() }
    }

    /// An `internal` problem for a failure the client cannot act on; the cause is logged, not sent.
    pub fn internal(cause: &dyn std::fmt::Display, locale: Locale) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(ProblemType::Internal, locale)
    }

    /// Maps a ledger error.
    pub fn from_ledger(e: LedgerError, locale: Locale) -> ApiError {
        match e {
            LedgerError::Refused(kind) => ApiError::new(kind, locale),
            LedgerError::Busy => ApiError::new(ProblemType::Busy, locale),
            other => ApiError::internal(&other, locale),
        }
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let mut problem = Problem::new(self.kind, self.locale);
        problem.errors = self.errors.clone();
        problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self.problem()).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(self.locale.tag()));
        match self.kind {
            ProblemType::RateLimited => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            }
            // A full queue drains within seconds.
            ProblemType::Busy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            }
            _ => {}
        }
        response
    }
}

/// The reader's locale, from the first tag of `Accept-Language` (French when absent or unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang(pub Locale);

/// The locale a request asks for.
pub fn locale_of(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map_or(Locale::Fr, Locale::from_tag)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(locale_of(&parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_ledger_is_503_with_retry_after() {
        let response = ApiError::from_ledger(LedgerError::Busy, Locale::Fr).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("2"));
    }
}
