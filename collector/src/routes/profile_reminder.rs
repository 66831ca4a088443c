//! The opt-out of the yearly profile reminder (issue 15.2).
//!
//! `GET /profile-reminder/{token}` shows a page with one button and changes nothing: link scanners and mail
//! filters follow links. `POST /profile-reminder/{token}` records the opt-out at once — what a mail client's
//! "unsubscribe" button sends (`List-Unsubscribe=One-Click`, RFC 8058, with no cookie: the signed token is the
//! credential, so no CSRF token is asked) and what the page's button sends: the row that stops every later
//! reminder to that subject, whatever their address becomes, and an `objected` ledger event (basis
//! `profile_reminder`), in one transaction ([`crate::ledger::Ledger::stop_profile_reminders`]). Consents and
//! the profile stay as they are; a second POST changes nothing and says it is already done.

use crate::html::frame;
use crate::ledger::LedgerError;
use crate::ledger::profile::{ReminderSite, reminder_stopped};
use crate::mail::profile_reminder::{StopClaims, open_stop};
use crate::routes::pages::error_page;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use consent::Locale;
use consent::protocol::ProblemType;
use maud::html;

/// The claims of a valid token whose record is still held, and whether its subject already opted out.
async fn find(state: &AppState, token: &str) -> Result<(StopClaims, bool), Response> {
    let Some(claims) = open_stop(&state.keys, token) else {
        return Err(error_page(ProblemType::InvalidLink, Locale::Fr));
    };
    let record_id = claims.stop_profile_reminders.clone();
    let found = state
        .read(move |l| {
            let Some(record) = l.store().record(&record_id)? else { return Ok(None) };
            Ok(Some((record.site.clone(), reminder_stopped(l.store(), &record.site, &record.subject_id)?)))
        })
        .await;
    match found {
        Ok(Some((site, stopped))) if site == claims.site => Ok((claims, stopped)),
        Ok(_) => Err(error_page(ProblemType::InvalidLink, Locale::Fr)),
        Err(e) => {
            tracing::error!(error = %e, "profile reminder opt-out lookup failed");
            Err(error_page(ProblemType::Internal, Locale::Fr))
        }
    }
}

const TITLE: &str = "Ne plus recevoir le rappel de profil";

fn already_done() -> maud::Markup {
    html! {
        p role="status" { "C'est déjà noté\u{a0}: vous ne recevez plus ce rappel." }
        p lang="en" class="muted" { "Already done: you no longer receive this reminder." }
    }
}

/// `GET /profile-reminder/{token}`: the confirmation page (changes nothing).
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (claims, stopped) = match find(&state, &token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let name = state.sites.get(&claims.site).map(|s| s.config.controller().name.clone()).unwrap_or_default();
    let body = html! {
        h1 { (TITLE) " " span lang="en" class="muted" { "— Stop the profile reminder" } }
        @if stopped {
            (already_done())
        } @else {
            p { (name) " vous propose une fois par an de mettre à jour votre profil professionnel. Confirmez \
                 ci-dessous pour ne plus recevoir ce rappel\u{a0}; vos consentements et votre profil restent tels \
                 quels, et vous pouvez toujours les modifier depuis votre lien de gestion." }
            p lang="en" class="muted" { (name) " offers once a year to update your career profile. Confirm below \
                 to receive this reminder no more; your consents and your profile stay as they are, and you can \
                 still change them from your manage link." }
            form method="post" action={ "/profile-reminder/" (token) } {
                input type="hidden" name="via" value="page";
                button type="submit" { "Ne plus recevoir ce rappel" span lang="en" { " — Stop this reminder" } }
            }
        }
    };
    frame(Locale::Fr, TITLE, body).into_response()
}

/// `POST /profile-reminder/{token}`: opts out now (RFC 8058 one-click, or the page's button).
pub async fn stop(State(state): State<AppState>, Path(token): Path<String>, body: String) -> Response {
    let (claims, _) = match find(&state, &token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let purposes = state.sites.get(&claims.site).and_then(|s| ReminderSite::of(&s)).map(|r| r.covering);
    // The page's button says so; anything else is a mail client's one-click POST.
    let via =
        if crate::mail::one_click::posted_from_page(&body) { "profile_reminder_page" } else { "list_unsubscribe" };
    let now = state.now();
    let record_id = claims.stop_profile_reminders;
    let recorded =
        state.writer.run(move |l| l.stop_profile_reminders(&record_id, &purposes.unwrap_or_default(), via, now)).await;
    let new = match recorded {
        Ok(new) => new,
        Err(LedgerError::Busy) => return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "2")]).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "profile reminder opt-out failed");
            return error_page(ProblemType::Internal, Locale::Fr);
        }
    };
    let body = html! {
        h1 { "C'est noté " span lang="en" class="muted" { "— Done" } }
        @if new {
            p role="status" { "Vous ne recevrez plus le rappel de mise à jour de votre profil." }
            p lang="en" class="muted" { "You will no longer receive the reminder to update your profile." }
        } @else {
            (already_done())
        }
    };
    frame(Locale::Fr, "C'est noté", body).into_response()
}
