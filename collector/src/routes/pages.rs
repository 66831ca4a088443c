//! Pieces shared by the server-rendered pages: problem pages (with a way to ask for a new link) and the list of
//! purposes.

use crate::html::{frame, other};
use crate::sites::Site;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use consent::Locale;
use consent::protocol::ProblemType;
use maud::{Markup, html};
use std::collections::BTreeMap;

fn problem_page(kind: ProblemType, locale: Locale, extra: Markup) -> Response {
    let status = StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = match locale {
        Locale::Fr => "Lien invalide",
        Locale::En => "Invalid link",
    };
    let other = other(locale);
    let body = html! {
        h1 { (title) }
        p role="alert" { (kind.message(locale)) }
        p lang=(other.tag()) class="muted" { (kind.message(other)) }
        (extra)
    };
    (status, frame(locale, title, body)).into_response()
}

/// An HTML page for a problem (links are opened by people, not scripts), in one language then the other.
pub fn error_page(kind: ProblemType, locale: Locale) -> Response {
    problem_page(kind, locale, html! {})
}

/// The page of a link that no longer works, with a form to receive a new one by email (`POST /access`).
pub fn invalid_link_page(site: &str, locale: Locale) -> Response {
    let (label, button) = match locale {
        Locale::Fr => ("Votre adresse électronique", "Recevoir un nouveau lien"),
        Locale::En => ("Your email address", "Send me a new link"),
    };
    let form = html! {
        form method="post" action="/access" {
            input type="hidden" name="site" value=(site);
            label for="email" { (label) }
            input type="email" id="email" name="email" required autocomplete="email";
            button type="submit" { (button) }
        }
    };
    problem_page(ProblemType::InvalidLink, locale, form)
}

/// The purposes ticked, as a list of their labels.
pub fn purposes_list(site: &Site, choices: &BTreeMap<String, bool>, locale: Locale) -> Markup {
    let labels: Vec<&str> = choices
        .iter()
        .filter(|(_, granted)| **granted)
        .map(|(id, _)| site.config.purpose(id).map_or(id.as_str(), |p| p.label.get(locale)))
        .collect();
    html! {
        @if labels.is_empty() {
            p { @match locale { Locale::Fr => "Aucune finalité cochée.", Locale::En => "No purpose ticked." } }
        } @else {
            ul { @for label in &labels { li { (label) } } }
        }
    }
}

/// The answer to a link that cannot be used: for an invalid or expired link, the page offering a new one (the
/// site is read from the token's claims without trusting them: it only preselects the form).
pub fn link_problem(state: &crate::state::AppState, token: &str, kind: ProblemType) -> Response {
    if kind != ProblemType::InvalidLink {
        return error_page(kind, Locale::Fr);
    }
    let claimed = consent::protocol::SignedToken::parse(token)
        .ok()
        .and_then(|t| t.claims_unverified::<crate::links::LinkClaims>().ok())
        .map(|c| c.site)
        .filter(|s| state.sites.get(s).is_some());
    match claimed.or_else(|| state.sites.iter().next().map(|s| s.config.site().to_string())) {
        Some(site) => invalid_link_page(&site, Locale::Fr),
        None => error_page(kind, Locale::Fr),
    }
}
