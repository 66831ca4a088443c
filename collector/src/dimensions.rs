//! The cells one consent counts under — purpose, promo, programme, CTA, page — shared by the statistics of
//! consents in force, the staff dashboard and the aggregates the ledger keeps when it anonymises a subject, so
//! that all of them mean the same.

use consent::protocol::SubmissionPayload;

/// The path of a page URL, without query or fragment (`https://a.fr/portrait/?utm=x` → `/portrait/`).
pub fn page_path(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or("");
    match without_query.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/".to_owned(), |i| rest[i..].to_owned()),
        None => without_query.to_owned(),
    }
}

/// The cells one consent counts under: its purpose, and, when its signed submission is at hand, the subject's
/// promo and programme, the CTA and the page. The same for consents in force and for the aggregates kept when a
/// subject is anonymised, so that both tables mean the same.
pub fn dimensions(purpose: &str, submission: Option<&SubmissionPayload>) -> Vec<(&'static str, String)> {
    match submission {
        Some(s) => form_dimensions(purpose, &s.subject, s.cta.as_str(), &s.page_url),
        None => vec![("purpose", purpose.to_owned())],
    }
}

/// The same cells from the held fields, the CTA and the page (empty for a consent given through the personal
/// link or a person imported from a list: no page showed them a form).
pub fn form_dimensions(
    purpose: &str,
    subject: &std::collections::BTreeMap<String, String>,
    cta: &str,
    page_url: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("purpose", purpose.to_owned()),
        ("promo", subject.get("promo").cloned().unwrap_or_default()),
        ("programme", subject.get("programme").cloned().unwrap_or_default()),
        ("cta", cta.to_owned()),
        ("page", page_path(page_url)),
    ]
}

#[cfg(test)]
mod tests {
    use super::page_path;

    #[test]
    fn a_page_is_its_path() {
        assert_eq!(page_path("http://127.0.0.1:8080/portrait/?utm=x#top"), "/portrait/");
        assert_eq!(page_path("https://a.fr"), "/");
    }
}
