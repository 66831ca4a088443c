//! `GET /v1/sites/{site}/config` and `GET /.well-known/consent-receipt-key`.

use crate::problem::{ApiError, Lang};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use consent::protocol::ProblemType;

/// The widget configuration of a site (with the receipt key).
pub async fn site_config(
    State(state): State<AppState>,
    Lang(locale): Lang,
    Path(site): Path<String>,
) -> Result<Response, ApiError> {
    let site = state.sites.get(&site).ok_or(ApiError::new(ProblemType::UnknownSite, locale))?;
    Ok((
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "public, max-age=60")],
        site.widget_json.clone(),
    )
        .into_response())
}

/// The collector's Ed25519 public key as a JWK (`x` is the base64url key that receipts name).
pub async fn receipt_key(State(state): State<AppState>) -> impl IntoResponse {
    let kid = state.keys.current().kid();
    let body = serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": state.public_key_b64, "kid": kid, "use": "sig"});
    ([(header::CONTENT_TYPE, "application/jwk+json")], body.to_string())
}

/// Every key that checks the collector's receipts and tokens, as a JWK Set with their ids (`kid`): the current key
/// first, then the ones `collector key rotate` retired, so that a receipt issued before a rotation still verifies.
pub async fn receipt_keys(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/jwk-set+json")], state.keys.jwks().to_string())
}
