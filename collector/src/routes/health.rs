//! `/healthz` (the writer answers); `/metrics` has a listener of its own ([`crate::metrics`]).

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

/// `GET /healthz`: 200 when the database answers through the writer.
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.read(|l| Ok(l.store().head()?)).await {
        Ok(_) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable\n")
        }
    }
}
