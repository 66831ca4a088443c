//! `POST /v1/actions`: change, withdraw or read a record, signed by the device key that made it.

use crate::intake::{CheckedAction, check_action};
use crate::ledger::{Actor, LedgerError, Request, sha256_hex};
use crate::problem::ApiError;
use crate::routes::ClientIp;
use crate::state::AppState;
use crate::storage::{RecordRow, RecordStatus};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use consent::RecordId;
use consent::protocol::{Action, ProblemType, RecordView};

/// The view of a record a device or the manage page is given.
pub fn record_view(record: &RecordRow) -> RecordView {
    RecordView {
        record_id: RecordId(record.record_id.clone()),
        status: record.status.as_str().to_owned(),
        choices: record.choices.clone(),
        given_at: crate::clock::rfc3339(record.created_at),
        updated_at: crate::clock::rfc3339(record.updated_at),
        notice_version: record.notice_version.clone(),
    }
}

/// The status of a record whose personal data are gone (withdrawn, erased, expired), or `None` while it is live.
/// Its device link went with the data, so a signed `status` naming it cannot be matched to the browser that made
/// it, which asks on its next visit (issue 17: it was told `device-mismatch`). The record id is a 128-bit secret
/// that only that browser was given, and the answer holds nothing but the end and its date: no choice is shown as
/// granted.
fn ended_view(record: &RecordRow) -> Option<RecordView> {
    let ended = matches!(record.status, RecordStatus::Withdrawn | RecordStatus::Erased | RecordStatus::Expired);
    if !ended || record.device.is_some() {
        return None;
    }
    let mut view = record_view(record);
    view.choices.values_mut().for_each(|granted| *granted = false);
    Some(view)
}

/// Applies a device-signed action.
pub async fn act(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match apply(&state, &headers, ip, body).await {
        Ok(view) => {
            state.metrics.action();
            Json(view).into_response()
        }
        Err(error) => {
            state.metrics.rejected(error.kind);
            tracing::info!(problem = error.kind.slug(), "action refused");
            error.into_response()
        }
    }
}

async fn apply(
    state: &AppState,
    headers: &HeaderMap,
    ip: std::net::IpAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<RecordView, ApiError> {
    let (CheckedAction { site, payload, envelope, nonce }, locale) = check_action(state, headers, ip, body)?;
    let now = state.now();
    let device = payload.device_key.thumbprint();
    let site_id = site.config.site().to_string();
    let request = match payload.action {
        Action::Status => {
            let record_id = payload.record_id.map(|r| r.0);
            return state
                .read(move |l| match l.device_record(&site_id, record_id.as_deref(), &device) {
                    Ok(record) => Ok(record_view(&record)),
                    Err(LedgerError::Refused(ProblemType::DeviceMismatch)) => {
                        // `device_record` found the record, so `record_id` names one of this site.
                        let record = l.store().record(record_id.as_deref().unwrap_or_default())?;
                        record.as_ref().and_then(ended_view).ok_or(LedgerError::Refused(ProblemType::DeviceMismatch))
                    }
                    Err(e) => Err(e),
                })
                .await
                .map_err(|e| ApiError::from_ledger(e, locale));
        }
        Action::Change { choices } => Request::Change { choices, notice_version: None },
        Action::Withdraw => Request::Withdraw,
    };
    let record_id = payload.record_id.map(|r| r.0).ok_or(ApiError::new(ProblemType::UnknownRecord, locale))?;
    let actor = Actor::Device {
        device,
        nonce: nonce.0.clone(),
        nonce_exp_ms: nonce.1,
        payload_sha256: sha256_hex(envelope.payload.as_bytes()),
    };
    let record = state
        .writer
        .run(move |l| {
            let record = l.store().record(&record_id)?;
            if record.as_ref().is_none_or(|r| r.site != site_id) {
                return Err(LedgerError::Refused(ProblemType::UnknownRecord));
            }
            l.act(&record_id, &actor, &request, now)
        })
        .await
        .map_err(|e| ApiError::from_ledger(e, locale))?;
    state.used_nonces.insert(nonce.0, nonce.1, now);
    Ok(record_view(&record))
}
