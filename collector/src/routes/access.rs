//! `POST /v1/access {site, email}`: always the same answer, at once (no account enumeration, by content or by
//! time); if the email is known, a fresh manage link is emailed after.

use crate::after_answer;
use crate::html::{escape, page};
use crate::intake::{allow_email, normalise_email};
use crate::ledger::LedgerError;
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
    accept(&state, locale, ip, &request)?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"status": "accepted"}))))
}

/// The same from the HTML form of the invalid-link page (`POST /access`, urlencoded `site`, `email`).
pub async fn access_form(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ClientIp(ip): ClientIp,
    Form(request): Form<AccessRequest>,
) -> Response {
    if let Err(e) = accept(&state, locale, ip, &request) {
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

/// Checks what is the same for every address (client and email limits, the site), then accepts: the lookup and
/// the email happen after the answer ([`after_answer`]), which thus says nothing, in content or in time, about
/// whether the address is known.
fn accept(state: &AppState, locale: Locale, ip: IpAddr, request: &AccessRequest) -> Result<(), ApiError> {
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
    after_answer::spawn("manage link not sent", send_link(state.clone(), request.site.clone(), email, now));
    Ok(())
}

/// Queues a fresh manage link if the email is known on the site.
async fn send_link(state: AppState, site_id: String, email: String, now: i64) -> Result<(), LedgerError> {
    let queued = state
        .writer
        .run(move |l| {
            let Some(record) = l.latest_record_of_email(&site_id, &email)? else { return Ok(false) };
            l.enqueue_mail(&MailJob::ManageLink { record_id: record.record_id }.to(&email), now)?;
            Ok(true)
        })
        .await?;
    if queued {
        state.mail_wakeup.notify_one();
    }
    Ok(())
}
