//! `POST /v1/access {site, email}`: always the same answer (no account enumeration); if the email is known, a
//! fresh manage link is emailed.

use crate::html::{escape, page};
use crate::intake::{allow_email, normalise_email};
use crate::mail::MailJob;
use crate::problem::{ApiError, Lang};
use crate::routes::ClientIp;
use crate::routes::pages::error_page;
use crate::state::AppState;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use consent::Locale;
use consent::protocol::ProblemType;
use serde::Deserialize;
use std::net::IpAddr;

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    site: String,
    email: String,
}

/// Handles an access request (JSON, from a widget or any client).
pub async fn access(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ClientIp(ip): ClientIp,
    request: Result<Json<AccessRequest>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(request) = request.map_err(|_| ApiError::new(ProblemType::Malformed, locale))?;
    send_link(&state, locale, ip, &request).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"status": "accepted"}))))
}

/// The same from the HTML form of the invalid-link page (`POST /access`, urlencoded `site`, `email`).
pub async fn access_form(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ClientIp(ip): ClientIp,
    Form(request): Form<AccessRequest>,
) -> Response {
    if let Err(e) = send_link(&state, locale, ip, &request).await {
        return error_page(e.kind, locale);
    }
    let (title, text) = match locale {
        Locale::Fr => (
            "Demande reçue",
            "Si cette adresse est connue, un courriel contenant un nouveau lien vient de lui être envoyé.",
        ),
        Locale::En => {
            ("Request received", "If this address is known, an email with a new link has just been sent to it.")
        }
    };
    Html(page(locale, title, &format!("<h1>{}</h1>\n<p role=\"status\">{}</p>\n", escape(title), escape(text))))
        .into_response()
}

/// Sends a fresh manage link if the email is known; the caller answers the same either way.
async fn send_link(state: &AppState, locale: Locale, ip: IpAddr, request: &AccessRequest) -> Result<(), ApiError> {
    let now = state.now();
    if !state.ip_limit.allow(ip, now) {
        return Err(ApiError::new(ProblemType::RateLimited, locale));
    }
    if state.sites.get(&request.site).is_none() {
        return Err(ApiError::new(ProblemType::UnknownSite, locale));
    }
    let email = normalise_email(&request.email);
    if !allow_email(state, &email) {
        return Err(ApiError::new(ProblemType::RateLimited, locale));
    }
    let site_id = request.site.clone();
    let lookup = email.clone();
    let record = state
        .writer
        .run(move |l| l.latest_record_of_email(&site_id, &lookup))
        .await
        .map_err(|e| ApiError::from_ledger(e, locale))?;
    if let Some(record) = record {
        let mail = MailJob::ManageLink { record_id: record.record_id }.to(&email);
        state.writer.run(move |l| l.enqueue_mail(&mail, now)).await.map_err(|e| ApiError::from_ledger(e, locale))?;
        state.mail_wakeup.notify_one();
    }
    Ok(())
}
