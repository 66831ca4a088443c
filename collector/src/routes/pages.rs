//! Pieces shared by the server-rendered pages: the error page and the list of purposes.

use crate::html::{escape, page};
use crate::sites::Site;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use consent::Locale;
use consent::protocol::ProblemType;
use std::collections::BTreeMap;

/// An HTML page for a problem (links are opened by people, not scripts), in French then English.
pub fn error_page(kind: ProblemType, locale: Locale) -> Response {
    let status = StatusCode::from_u16(kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (title, other) = match locale {
        Locale::Fr => ("Lien invalide", Locale::En),
        Locale::En => ("Invalid link", Locale::Fr),
    };
    let body = format!(
        "<h1>{}</h1>\n<p role=\"alert\">{}</p>\n<p lang=\"{}\" class=\"muted\">{}</p>\n",
        escape(title),
        escape(kind.message(locale)),
        other.tag(),
        escape(kind.message(other))
    );
    (status, Html(page(locale, title, &body))).into_response()
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
