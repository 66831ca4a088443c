//! `POST /v1/submissions`: check, record durably, answer `201` with a signed receipt.

use crate::intake::{CheckedSubmission, check_submission};
use crate::keys::sortable_id;
use crate::ledger::{NewSubmission, sha256_hex};
use crate::mail::MailJob;
use crate::problem::ApiError;
use crate::routes::ClientIp;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use consent::RecordId;
use consent::canonical::to_canonical_string;
use consent::protocol::{ProblemType, ReceiptBody, SubmissionAccepted};

/// Accepts a signed submission.
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match accept(&state, &headers, ip, body).await {
        Ok(accepted) => {
            state.metrics.accepted();
            (StatusCode::CREATED, Json(accepted)).into_response()
        }
        Err(error) => {
            state.metrics.rejected(error.kind);
            tracing::info!(problem = error.kind.slug(), "submission refused");
            error.into_response()
        }
    }
}

async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<SubmissionAccepted, ApiError> {
    let CheckedSubmission { payload, envelope, nonce, email, .. } = check_submission(state, headers, ip, body)?;
    let locale = payload.locale;
    let now = state.now();
    let record_id = sortable_id(now);
    let site_id = payload.site.to_string();
    // The email is composed later by the mail sender; only check here that it can be addressed.
    if email.parse::<lettre::Address>().is_err() {
        return Err(ApiError::new(ProblemType::InvalidField, locale));
    }
    let mail = MailJob::Confirmation { record_id: record_id.clone() }.to(&email);
    let payload_sha256 = sha256_hex(envelope.payload.as_bytes());
    let data = to_canonical_string(&serde_json::json!({"payload": envelope.payload, "signature": envelope.signature}))
        .map_err(|e| ApiError::internal(&e, locale))?;
    let submission = NewSubmission {
        record_id: record_id.clone(),
        new_subject_id: sortable_id(now),
        site: site_id,
        email,
        cta: payload.cta.to_string(),
        choices: payload.choices.clone(),
        notice_version: payload.notice_version.clone(),
        locale,
        device: payload.device_key.thumbprint(),
        payload_sha256: payload_sha256.clone(),
        data,
        nonce: nonce.0.clone(),
        nonce_exp_ms: nonce.1,
        mail: Some(mail),
    };
    let appended = state.writer.submit(submission, now).await.map_err(|e| ApiError::from_ledger(e, locale))?;
    state.used_nonces.insert(nonce.0, nonce.1, now);
    state.mail_wakeup.notify_one();
    let body = ReceiptBody {
        record_id: RecordId(record_id.clone()),
        payload_sha256,
        ledger_seq: appended.seq,
        prev_hash: appended.prev_hash,
        received_at: crate::clock::rfc3339(appended.at_ms),
    };
    let receipt = state.key.sign_receipt(body).map_err(|e| ApiError::internal(&e, locale))?;
    Ok(SubmissionAccepted { record_id: RecordId(record_id), status: "pending".into(), receipt })
}
