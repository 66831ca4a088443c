//! The career profile on the manage page (issue 15.2): the optional fields of `[[profile]]` that the subject's
//! consents in force cover, each saying what leaving it out changes; `POST /manage/{token}/profile` stores them
//! ([`crate::ledger::profile`]). A value outside a declared list, markup, hidden characters or a too-long text is
//! refused (422, French first, nothing stored). Without a consent in force covering a field, it is neither shown
//! nor accepted.

use crate::html::{frame, other};
use crate::ledger::{LedgerError, SubjectFile, held_profile};
use crate::links::{self, LinkKind};
use crate::routes::pages::{error_page, link_problem};
use crate::sites::Site;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use consent::config::{ProfileField, ProfileKind, ProfileRefusal};
use consent::protocol::ProblemType;
use consent::{LegalBasis, Locale};
use maud::{Markup, html};
use std::collections::BTreeMap;

struct Words {
    title: &'static str,
    intro: &'static str,
    empty: &'static str,
    save: &'static str,
    saved: &'static str,
    refused: &'static str,
    back: &'static str,
}

const FR: Words = Words {
    title: "Mon profil professionnel",
    intro: "Ces informations sont toutes facultatives. Elles ne servent qu'aux finalités auxquelles vous avez \
            consenti\u{a0}; laissez vide ce que vous ne souhaitez pas indiquer.",
    empty: "— Non renseigné —",
    save: "Enregistrer mon profil",
    saved: "Votre profil est enregistré.",
    refused: "Votre profil n'a pas été enregistré\u{a0}: corrigez les champs signalés.",
    back: "Retour à la page de gestion",
};

const EN: Words = Words {
    title: "My career profile",
    intro: "All of this is optional. It is used only for the purposes you consented to; leave empty what you would \
            rather not say.",
    empty: "— Not given —",
    save: "Save my profile",
    saved: "Your profile is saved.",
    refused: "Your profile was not saved: fix the fields marked.",
    back: "Back to the manage page",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

/// The purposes the subject's consents in force cover: answered yes, confirmed, and a consent (not the school's
/// soft opt-in, which no one ticked).
fn consented<'a>(site: &Site, file: &'a SubjectFile) -> Vec<&'a str> {
    if file.subject.anonymised_at.is_some() {
        return Vec::new();
    }
    file.consents
        .iter()
        .filter(|c| c.granted)
        .filter(|c| site.config.purpose(&c.purpose).is_some_and(|p| p.basis == LegalBasis::OptIn))
        .map(|c| c.purpose.as_str())
        .collect()
}

/// The profile fields shown and accepted for this subject: those a consent in force covers.
pub fn covered<'a>(site: &'a Site, file: &SubjectFile) -> Vec<&'a ProfileField> {
    site.config.profile_covered_by(&consented(site, file))
}

/// The profile held for the subject: their latest held data's.
pub fn current(file: &SubjectFile) -> BTreeMap<String, String> {
    file.data.iter().rev().map(|d| held_profile(&d.data)).find(|p| !p.is_empty()).unwrap_or_default()
}

/// A refused profile: the values as typed and why each field was refused.
struct Attempt {
    typed: BTreeMap<String, String>,
    refused: BTreeMap<String, ProfileRefusal>,
}

/// The manage page's profile section (`done` is the page's `?done=`); nothing when no consent in force covers
/// a profile field.
pub fn section(site: &Site, token: &str, file: &SubjectFile, locale: Locale, done: Option<&str>) -> Markup {
    let fields = covered(site, file);
    if fields.is_empty() {
        return html! {};
    }
    profile_form(token, &fields, &current(file), locale, done == Some("profile"), None)
}

fn profile_form(
    token: &str,
    fields: &[&ProfileField],
    held: &BTreeMap<String, String>,
    locale: Locale,
    saved: bool,
    attempt: Option<&Attempt>,
) -> Markup {
    let w = words(locale);
    let second = other(locale);
    html! {
        h2 id="profile" { (w.title) }
        p { (w.intro) }
        @if saved { p.notice role="status" { (w.saved) } }
        @if attempt.is_some() {
            p.notice role="alert" { (w.refused) }
            p.muted lang=(second.tag()) { (words(second).refused) }
        }
        form method="post" action={ "/manage/" (token) "/profile" } novalidate {
            @for field in fields {
                @let id = field.id.as_str();
                @let value = attempt.and_then(|a| a.typed.get(id)).or_else(|| held.get(id)).map(String::as_str);
                @let refusal = attempt.and_then(|a| a.refused.get(id)).copied();
                @let described = match refusal { Some(_) => format!("h-{id} e-{id}"), None => format!("h-{id}") };
                label for={ "pf-" (id) } { (field.label.get(locale)) }
                @match field.kind {
                    ProfileKind::Choice => {
                        select id={ "pf-" (id) } name=(id) aria-describedby=(described)
                            aria-invalid=[refusal.map(|_| "true")] {
                            option value="" selected[value.is_none_or(str::is_empty)] { (w.empty) }
                            @for choice in &field.choices {
                                option value=(choice.id) selected[value == Some(choice.id.as_str())] {
                                    (choice.label.get(locale))
                                }
                            }
                        }
                    }
                    ProfileKind::Text => {
                        input id={ "pf-" (id) } name=(id) type="text" value=[value] maxlength=(field.max_length)
                            aria-describedby=(described) aria-invalid=[refusal.map(|_| "true")];
                    }
                }
                p.hint id={ "h-" (id) } { (field.if_omitted.get(locale)) }
                @if let Some(refusal) = refusal {
                    p.error id={ "e-" (id) } {
                        (refusal.message(locale)) " " span lang=(second.tag()) { (refusal.message(second)) }
                    }
                }
            }
            button type="submit" { (w.save) }
        }
    }
}

/// `POST /manage/{token}/profile` with one `field id = value` per profile field shown. Each value is checked
/// against its declaration; any refusal answers 422 with the form as typed and stores nothing. Fields no consent
/// in force covers are not taken (with none, the request is refused). An empty value leaves the field out.
pub async fn save(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let claims = match links::open(&state.keys, &token, LinkKind::Manage, state.now()) {
        Ok(claims) => claims,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let Some(site) = state.sites.get(&claims.site) else { return error_page(ProblemType::UnknownSite, Locale::Fr) };
    let id = claims.record_id.clone();
    let file = match state.read(move |l| l.subject_file(&id)).await {
        Ok(file) => file,
        Err(e) => return failed(&e),
    };
    let locale = file.records.last().map_or(site.config.default_locale(), |r| r.locale);
    let fields = covered(&site, &file);
    if fields.is_empty() {
        return error_page(ProblemType::UnknownRecord, locale);
    }
    let typed: BTreeMap<String, String> =
        form.into_iter().filter(|(k, _)| fields.iter().any(|f| f.id.as_str() == k)).collect();
    let mut answers = BTreeMap::new();
    let mut refused = BTreeMap::new();
    for field in &fields {
        let Some(value) = typed.get(field.id.as_str()) else { continue };
        match field.check(value) {
            Ok(answer) => {
                answers.insert(field.id.to_string(), answer);
            }
            Err(refusal) => {
                refused.insert(field.id.to_string(), refusal);
            }
        }
    }
    if !refused.is_empty() {
        let attempt = Attempt { typed, refused };
        let w = words(locale);
        let body = html! {
            h1 { (w.title) }
            (profile_form(&token, &fields, &current(&file), locale, false, Some(&attempt)))
            p { a href={ "/manage/" (token) } { (w.back) } }
        };
        return (StatusCode::UNPROCESSABLE_ENTITY, frame(locale, w.title, body)).into_response();
    }
    let now = state.now();
    let id = claims.record_id.clone();
    match state.writer.run(move |l| l.set_profile(&id, &answers, now)).await {
        Ok(_) => Redirect::to(&format!("/manage/{token}?done=profile#profile")).into_response(),
        Err(e) => failed(&e),
    }
}

fn failed(e: &LedgerError) -> Response {
    match e {
        LedgerError::Refused(kind) => error_page(*kind, Locale::Fr),
        other => {
            tracing::error!(error = %other, "profile failed");
            error_page(ProblemType::Internal, Locale::Fr)
        }
    }
}
