//! Pieces shared by the server-rendered pages: problem pages (with a way to ask for a new link) and the list of
//! purposes.

use crate::html::{escape, page};
use crate::sites::Site;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use consent::Locale;
use consent::protocol::ProblemType;
use std::collections::BTreeMap;

fn problem_page(kind: ProblemType, locale: Locale, extra: &str) -> Response {
    let status = StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (title, other) = match locale {
        Locale::Fr => ("Lien invalide", Locale::En),
        Locale::En => ("Invalid link", Locale::Fr),
    };
    let body = format!(
        "<h1>{}</h1>\n<p role=\"alert\">{}</p>\n<p lang=\"{}\" class=\"muted\">{}</p>\n{extra}",
        escape(title),
        escape(kind.message(locale)),
        other.tag(),
        escape(kind.message(other))
    );
    (status, Html(page(locale, title, &body))).into_response()
}

/// An HTML page for a problem (links are opened by people, not scripts), in one language then the other.
pub fn error_page(kind: ProblemType, locale: Locale) -> Response {
    problem_page(kind, locale, "")
}

/// The page of a link that no longer works, with a form to receive a new one by email (`POST /access`).
pub fn invalid_link_page(site: &str, locale: Locale) -> Response {
    let (label, button) = match locale {
        Locale::Fr => ("Votre adresse électronique", "Recevoir un nouveau lien"),
        Locale::En => ("Your email address", "Send me a new link"),
    };
    let form = format!(
        "<form method=\"post\" action=\"/access\">\n<input type=\"hidden\" name=\"site\" value=\"{}\">\n\
         <label for=\"email\">{}</label>\n<input type=\"email\" id=\"email\" name=\"email\" required \
         autocomplete=\"email\">\n<button type=\"submit\">{}</button>\n</form>\n",
        escape(site),
        escape(label),
        escape(button)
    );
    problem_page(ProblemType::InvalidLink, locale, &form)
}

/// The purposes ticked, as a list of their labels.
pub fn purposes_list(site: &Site, choices: &BTreeMap<String, bool>, locale: Locale) -> String {
    let items: String = choices
        .iter()
        .filter(|(_, granted)| **granted)
        .map(|(id, _)| {
            let label = site.config.purpose(id).map_or(id.as_str(), |p| p.label.get(locale));
            format!("<li>{}</li>\n", escape(label))
        })
        .collect();
    if items.is_empty() {
        match locale {
            Locale::Fr => "<p>Aucune finalité cochée.</p>".to_owned(),
            Locale::En => "<p>No purpose ticked.</p>".to_owned(),
        }
    } else {
        format!("<ul>\n{items}</ul>")
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
