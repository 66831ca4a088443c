//! The one-click objection of a campaign's message (CPCE L.34-5, RFC 8058).
//!
//! `GET /objection/{token}` shows a confirmation page with one button and changes nothing: link scanners and
//! mail filters follow links. `POST /objection/{token}` objects, at once: what a mail client's "unsubscribe"
//! button sends (`List-Unsubscribe=One-Click`, with no cookie — none is needed: the signed token is the
//! credential, which is also why no CSRF token is asked), and what the page's button sends. The objection is an
//! `objected` ledger event and the row that stops every later message of that basis to that address, forever
//! ([`crate::ledger::Ledger::object`]); a second POST changes nothing and says it is already done.

use crate::campaign::store::{self, CampaignRow, RecipientRow};
use crate::campaign::token;
use crate::html::frame;
use crate::ledger::LedgerError;
use crate::ledger::objection::NewObjection;
use crate::routes::pages::error_page;
use crate::sites::Site;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use consent::protocol::ProblemType;
use consent::{LegalBasis, Locale};
use maud::{Markup, html};

/// The recipient row and campaign a valid token names.
async fn find(state: &AppState, token: &str) -> Result<(RecipientRow, CampaignRow), Response> {
    let Some(claims) = token::open(&state.keys, token) else {
        return Err(error_page(ProblemType::InvalidLink, Locale::Fr));
    };
    let found = state
        .read(move |l| {
            let row = store::recipient(l.store(), claims.objection)?;
            let campaign = store::campaign(l.store(), &claims.campaign)?;
            Ok((row, campaign))
        })
        .await;
    match found {
        Ok((Some(row), Some(campaign))) if row.campaign_id == campaign.campaign_id => Ok((row, campaign)),
        Ok(_) => Err(error_page(ProblemType::InvalidLink, Locale::Fr)),
        Err(e) => {
            tracing::error!(error = %e, "objection lookup failed");
            Err(error_page(ProblemType::Internal, Locale::Fr))
        }
    }
}

/// The page's words, French then English.
fn explain(site: &Site, campaign: &CampaignRow) -> Markup {
    let name = &site.config.controller().name;
    let legacy = campaign.audience == "legacy";
    html! {
        @if legacy {
            p { (name) " vous a écrit pour confirmer un consentement donné avant ce service. Si vous ne voulez plus \
                 recevoir ces messages, confirmez ci-dessous\u{a0}: il ne vous en sera plus envoyé." }
            p lang="en" class="muted" { (name) " wrote to you to confirm a consent given before this service. If you \
                 no longer want these messages, confirm below: no more will be sent to you." }
        } @else {
            p { (name) " écrit à ses diplômés au sujet du réseau alumni et de services analogues à ses formations, \
                 sauf s'ils s'y opposent (article L.34-5 du Code des postes et des communications électroniques). \
                 Confirmez ci-dessous pour ne plus recevoir ces messages\u{a0}; cela ne vous coûte rien et ne change \
                 rien à votre diplôme ni à vos démarches auprès de l'école." }
            p lang="en" class="muted" { (name) " writes to its graduates about the alumni network and services \
                 analogous to its programmes unless they object (French Postal and Electronic Communications Code, \
                 art. L.34-5). Confirm below to receive no more of these messages; it costs nothing and changes \
                 nothing about your degree or your dealings with the school." }
        }
    }
}

/// `GET /objection/{token}`: the confirmation page (changes nothing).
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let (row, campaign) = match find(&state, &token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(site) = state.sites.get(&campaign.site) else { return error_page(ProblemType::UnknownSite, Locale::Fr) };
    let key = row.email_sha256.clone();
    let (site_id, basis) = (campaign.site.clone(), campaign.audience.clone());
    let already =
        state.read(move |l| Ok(store::is_objected(l.store(), &site_id, &key, &basis)?)).await.unwrap_or(false);
    let title = "Ne plus recevoir ces messages";
    let body = html! {
        h1 { (title) " " span lang="en" class="muted" { "— Stop these messages" } }
        @if already {
            p role="status" { "C'est déjà noté\u{a0}: vous ne recevez plus ces messages." }
            p lang="en" class="muted" { "Already done: you no longer receive these messages." }
        } @else {
            (explain(&site, &campaign))
            form method="post" action={ "/objection/" (token) } {
                input type="hidden" name="List-Unsubscribe" value="One-Click";
                input type="hidden" name="via" value="page";
                button type="submit" { "Je ne veux plus recevoir ces messages" span lang="en" { " — Stop these messages" } }
            }
        }
    };
    frame(Locale::Fr, title, body).into_response()
}

/// `POST /objection/{token}`: objects now (RFC 8058 one-click, or the page's button).
pub async fn object(State(state): State<AppState>, Path(token): Path<String>, body: String) -> Response {
    let (row, campaign) = match find(&state, &token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let Some(site) = state.sites.get(&campaign.site) else { return error_page(ProblemType::UnknownSite, Locale::Fr) };
    let purposes: Vec<String> = if campaign.audience == "legacy" {
        Vec::new()
    } else {
        site.config.purposes().iter().filter(|p| p.basis == LegalBasis::SoftOptIn).map(|p| p.id.to_string()).collect()
    };
    // The page's button says so; anything else is a mail client's one-click POST.
    let via = if crate::mail::one_click::posted_from_page(&body) { "objection_page" } else { "list_unsubscribe" };
    let now = state.now();
    let recorded = state
        .writer
        .run(move |l| {
            l.object(
                &NewObjection {
                    site: &campaign.site,
                    subject_id: &row.subject_id,
                    record_id: Some(&row.record_id),
                    email_sha256: &row.email_sha256,
                    basis: &campaign.audience,
                    purposes: &purposes,
                    campaign_id: Some(&campaign.campaign_id),
                    via,
                },
                now,
            )
        })
        .await;
    let new = match recorded {
        Ok(new) => new,
        Err(LedgerError::Busy) => return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "2")]).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "objection failed");
            return error_page(ProblemType::Internal, Locale::Fr);
        }
    };
    let name = &site.config.controller().name;
    let title = "C'est noté";
    let body = html! {
        h1 { (title) " " span lang="en" class="muted" { "— Done" } }
        @if new {
            p role="status" { "Vous ne recevrez plus ces messages de " (name) "." }
            p lang="en" class="muted" { "You will receive no more of these messages from " (name) "." }
        } @else {
            p role="status" { "C'était déjà noté\u{a0}: vous ne recevez plus ces messages." }
            p lang="en" class="muted" { "Already done: you no longer receive these messages." }
        }
    };
    frame(Locale::Fr, title, body).into_response()
}
