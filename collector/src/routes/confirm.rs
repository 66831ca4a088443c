//! The confirmation link of the double opt-in: `GET /confirm/{token}` shows a button (mail scanners follow
//! links, so a GET changes nothing), `POST /confirm/{token}` confirms the record.

use crate::html::frame;
use crate::ledger::LedgerError;
use crate::links::{self, LinkKind};
use crate::routes::pages::{error_page, link_problem, purposes_list};
use crate::state::AppState;
use crate::storage::RecordStatus;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use consent::Locale;
use consent::protocol::ProblemType;
use maud::html;

fn words(locale: Locale) -> [&'static str; 6] {
    match locale {
        Locale::Fr => [
            "Confirmer votre consentement",
            "Vous avez donné votre consentement pour\u{a0}:",
            "Je confirme",
            "Merci, votre consentement est confirmé",
            "Vous pouvez à tout moment voir, modifier ou retirer vos choix, télécharger ou effacer vos données\u{a0}:",
            "Gérer mes données",
        ],
        Locale::En => [
            "Confirm your consent",
            "You gave your consent for:",
            "I confirm",
            "Thank you, your consent is confirmed",
            "You can see, change or withdraw your choices, download or erase your data at any time:",
            "Manage my data",
        ],
    }
}

/// `GET /confirm/{token}`.
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let now = state.now();
    let Ok(claims) = links::open(&state.keys, &token, LinkKind::Confirm, now) else {
        return link_problem(&state, &token, ProblemType::InvalidLink);
    };
    let id = claims.record_id.clone();
    let record = match state.read(move |l| Ok(l.store().record(&id)?)).await {
        Ok(Some(record)) if matches!(record.status, RecordStatus::Pending | RecordStatus::Confirmed) => record,
        Ok(_) => return link_problem(&state, &token, ProblemType::InvalidLink),
        Err(e) => return error_page_internal(&e),
    };
    let Some(site) = state.sites.get(&record.site) else { return error_page(ProblemType::UnknownSite, record.locale) };
    let w = words(record.locale);
    let body = html! {
        h1 { (w[0]) }
        p { (site.config.controller().name) }
        p { (w[1]) }
        (purposes_list(&site, &record.choices, record.locale))
        form method="post" action={ "/confirm/" (token) } {
            button type="submit" { (w[2]) }
        }
    };
    frame(record.locale, w[0], body).into_response()
}

/// `POST /confirm/{token}`.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let now = state.now();
    let Ok(claims) = links::open(&state.keys, &token, LinkKind::Confirm, now) else {
        return link_problem(&state, &token, ProblemType::InvalidLink);
    };
    let id = claims.record_id.clone();
    let record = match state.writer.run(move |l| l.confirm(&id, now)).await {
        Ok(record) => record,
        Err(LedgerError::Refused(kind)) => return link_problem(&state, &token, kind),
        Err(e) => return error_page_internal(&e),
    };
    state.metrics.confirmed();
    let manage =
        links::sign(&state.key, LinkKind::Manage, &record.site, &record.record_id, now, links::MANAGE_LINK_DAYS);
    let w = words(record.locale);
    let body = html! {
        h1 { (w[3]) }
        p { (w[4]) }
        p { a href={ "/manage/" (manage) } { (w[5]) } }
    };
    frame(record.locale, w[3], body).into_response()
}

fn error_page_internal(e: &LedgerError) -> Response {
    tracing::error!(error = %e, "confirmation failed");
    error_page(ProblemType::Internal, Locale::Fr)
}
