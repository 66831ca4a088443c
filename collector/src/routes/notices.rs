//! `GET /v1/notices/{version}`: the full text of a notice version, as stored when it was first served.

use crate::problem::{ApiError, Lang};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use consent::protocol::ProblemType;

/// The canonical JSON of both layers in every locale; its SHA-256 is the version.
pub async fn notice(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Path(version): Path<String>,
) -> Result<Response, ApiError> {
    if version.len() != 64 || !version.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::new(ProblemType::Malformed, locale));
    }
    let text = state
        .writer
        .run(move |l| Ok(l.store().notice(&version)?))
        .await
        .map_err(|e| ApiError::from_ledger(e, locale))?
        .ok_or(ApiError::new(ProblemType::UnknownRecord, locale))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        text,
    )
        .into_response())
}
