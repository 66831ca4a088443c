//! `GET /v1/notices/{version}`: the full text of a notice version, as stored when it was first served — the
//! canonical JSON (whose SHA-256 is the version), or a readable page when a browser asks for HTML.

use crate::html::frame;
use crate::problem::{ApiError, Lang};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use consent::Locale;
use consent::protocol::ProblemType;
use maud::{Markup, html};

/// Serves a stored notice version.
pub async fn notice(
    State(state): State<AppState>,
    Lang(locale): Lang,
    headers: HeaderMap,
    Path(version): Path<String>,
) -> Result<Response, ApiError> {
    if version.len() != 64 || !version.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::new(ProblemType::Malformed, locale));
    }
    let lookup = version.clone();
    let text = state
        .read(move |l| Ok(l.store().notice(&lookup)?))
        .await
        .map_err(|e| ApiError::from_ledger(e, locale))?
        .ok_or(ApiError::new(ProblemType::UnknownRecord, locale))?;
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.split(',').next().is_some_and(|first| first.trim().starts_with("text/html")));
    if wants_html {
        return Ok(readable(&version, &text, locale).into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        text,
    )
        .into_response())
}

/// Both layers in every locale, as preformatted text (the second layer is CommonMark source).
fn readable(version: &str, canonical: &str, locale: Locale) -> Markup {
    let value: serde_json::Value = serde_json::from_str(canonical).unwrap_or_default();
    let title = match locale {
        Locale::Fr => "Notice d'information, version",
        Locale::En => "Privacy notice, version",
    };
    let layers = value.get("layers").and_then(|l| l.as_object()).cloned().unwrap_or_default();
    let body = html! {
        h1 { (title) " " code { (version.get(..12).unwrap_or(version)) } }
        @for (tag, layer) in &layers {
            @for part in ["first", "second"] {
                @if let Some(text) = layer.get(part).and_then(|t| t.as_str()) {
                    h2 { (tag) " — " (part) }
                    pre lang=(tag) { (text) }
                }
            }
        }
    };
    frame(locale, title, body)
}
