//! The manage page, reached by the signed link in every email: what the subject gave, when, under which notice;
//! change each purpose, withdraw all, download everything (art. 20), erase (art. 17). HTML forms, no JavaScript.

use crate::clock::{parse_rfc3339, rfc3339};
use crate::html::{frame, other};
use crate::intake::normalise_email;
use crate::ledger::{Actor, LedgerError, Request, SubjectFile, held_fields};
use crate::links::{self, LinkClaims, LinkKind};
use crate::mail::MailJob;
use crate::routes::pages::{error_page, link_problem};
use crate::sites::Site;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use consent::Locale;
use consent::protocol::{FieldErrorCode, ProblemType, SubmissionError, check_subject};
use consent::vocabulary::FieldKind;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

pub mod consent_link;

struct Words {
    title: &'static str,
    gone: &'static str,
    intro: &'static str,
    choices: &'static str,
    save: &'static str,
    withdraw_title: &'static str,
    withdraw_text: &'static str,
    withdraw: &'static str,
    download_title: &'static str,
    download: &'static str,
    erase_title: &'static str,
    erase_text: &'static str,
    erase_check: &'static str,
    erase: &'static str,
    history: &'static str,
    columns: [&'static str; 4],
    data: &'static str,
    pending: &'static str,
    done_saved: &'static str,
    done_withdrawn: &'static str,
    done_erased: &'static str,
    erase_unconfirmed: &'static str,
    stale: &'static str,
    notice: &'static str,
    rectify_title: &'static str,
    rectify_text: &'static str,
    rectify: &'static str,
    done_rectified: &'static str,
    rectify_refused: &'static str,
    markup: &'static str,
    address_taken: &'static str,
    done_address: &'static str,
    address_changed: &'static str,
    address_confirm: &'static str,
    address_superseded: &'static str,
    status: fn(&str) -> &'static str,
}

const FR: Words = Words {
    title: "Vos données et vos consentements",
    gone: "Nous ne détenons plus aucune donnée personnelle vous concernant.",
    intro: "Voici ce que vous avez accepté et ce que nous détenons sur vous. Vous pouvez tout changer, à tout moment.",
    choices: "Vos consentements",
    save: "Enregistrer mes choix",
    withdraw_title: "Tout retirer",
    withdraw_text: "Retire votre consentement à toutes les finalités en un clic.",
    withdraw: "Retirer tous mes consentements",
    download_title: "Télécharger vos données",
    download: "Télécharger toutes mes données (JSON)",
    erase_title: "Effacer vos données",
    erase_text: "Efface définitivement vos données personnelles. Seule une trace anonyme (empreintes) reste dans le registre des consentements.",
    erase_check: "Je comprends que l'effacement est définitif.",
    erase: "Effacer mes données",
    history: "Historique",
    columns: ["Date", "Formulaire", "État", "Version de la notice"],
    data: "Vos informations",
    pending: "En attente de confirmation\u{a0}: suivez le lien reçu par courriel pour confirmer.",
    done_saved: "Vos choix sont enregistrés.",
    done_withdrawn: "Vos consentements sont retirés.",
    done_erased: "Vos données ont été effacées.",
    erase_unconfirmed: "Cochez la case pour confirmer l'effacement.",
    stale: "La notice d'information a changé depuis l'affichage de cette page\u{a0}: vos choix n'ont pas été \
            enregistrés. Lisez la nouvelle notice ci-dessous, puis enregistrez à nouveau vos choix.",
    notice: "Vos choix portent sur la notice d'information en vigueur\u{a0}:",
    rectify_title: "Corriger mes informations",
    rectify_text: "Corrigez ce qui est inexact ou incomplet (RGPD, article 16). Un champ facultatif laissé vide est \
                   supprimé.",
    rectify: "Enregistrer les corrections",
    done_rectified: "Vos informations sont corrigées.",
    rectify_refused: "Vos corrections n'ont pas été enregistrées\u{a0}: corrigez les champs signalés.",
    markup: "Ce texte ne peut pas contenir les caractères < et >.",
    address_taken: "Cette adresse ne peut pas être utilisée.",
    done_address: "Un lien de confirmation a été envoyé à la nouvelle adresse\u{a0}: elle remplacera l'actuelle une \
                   fois le lien suivi. D'ici là, rien ne change.",
    address_changed: "Votre nouvelle adresse est enregistrée.",
    address_confirm: "Utiliser cette adresse",
    address_superseded: "Ce lien n'est plus valable\u{a0}: votre adresse a été changée depuis son envoi. Pour utiliser \
                         cette adresse, demandez à nouveau le changement depuis votre page de gestion.",
    status: |s| match s {
        "pending" => "en attente",
        "confirmed" => "confirmé",
        "withdrawn" => "retiré",
        "expired" => "expiré",
        // A graduate the school imported: held under its soft opt-in, never a consent.
        "imported" => "importé par l'école (aucun consentement donné)",
        _ => "effacé",
    },
};

const EN: Words = Words {
    title: "Your data and your consents",
    gone: "We no longer hold any personal data about you.",
    intro: "Here is what you agreed to and what we hold about you. You can change everything, at any time.",
    choices: "Your consents",
    save: "Save my choices",
    withdraw_title: "Withdraw everything",
    withdraw_text: "Withdraws your consent to every purpose in one click.",
    withdraw: "Withdraw all my consents",
    download_title: "Download your data",
    download: "Download all my data (JSON)",
    erase_title: "Erase your data",
    erase_text: "Erases your personal data for good. Only an anonymous trace (hashes) stays in the consent ledger.",
    erase_check: "I understand that erasure is final.",
    erase: "Erase my data",
    history: "History",
    columns: ["Date", "Form", "Status", "Notice version"],
    data: "Your details",
    pending: "Waiting for confirmation: follow the link you received by email to confirm.",
    done_saved: "Your choices are saved.",
    done_withdrawn: "Your consents are withdrawn.",
    done_erased: "Your data have been erased.",
    erase_unconfirmed: "Tick the box to confirm the erasure.",
    stale: "The privacy notice has changed since this page was shown: your choices were not saved. Read the new \
            notice below, then save your choices again.",
    notice: "Your choices are made under the privacy notice in force:",
    rectify_title: "Correct my details",
    rectify_text: "Correct what is inaccurate or incomplete (GDPR, article 16). An optional field left empty is \
                   removed.",
    rectify: "Save the corrections",
    done_rectified: "Your details are corrected.",
    rectify_refused: "Your corrections were not saved: fix the fields marked.",
    markup: "This text cannot contain the characters < and >.",
    address_taken: "This address cannot be used.",
    done_address: "A confirmation link was sent to the new address: it will replace the current one once the link \
                   is followed. Until then, nothing changes.",
    address_changed: "Your new address is saved.",
    address_confirm: "Use this address",
    address_superseded: "This link is no longer valid: your address was changed after it was sent. To use this \
                         address, ask for the change again from your manage page.",
    status: |s| match s {
        "pending" => "pending",
        "confirmed" => "confirmed",
        "withdrawn" => "withdrawn",
        "expired" => "expired",
        "imported" => "imported by the school (no consent given)",
        _ => "erased",
    },
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

/// `?done=` after an action.
#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

struct Opened {
    claims: LinkClaims,
    site: Arc<Site>,
}

fn open(state: &AppState, token: &str) -> Result<Opened, ProblemType> {
    let claims = links::open(&state.keys, token, LinkKind::Manage, state.now())?;
    let site = state.sites.get(&claims.site).ok_or(ProblemType::UnknownSite)?;
    Ok(Opened { claims, site })
}

async fn file(state: &AppState, record_id: &str) -> Result<SubjectFile, LedgerError> {
    let id = record_id.to_owned();
    state.read(move |l| l.subject_file(&id)).await
}

/// The link opened and its subject's file, or the page that says why not.
async fn opened_file(state: &AppState, token: &str) -> Result<(Opened, SubjectFile), Response> {
    let opened = open(state, token).map_err(|kind| link_problem(state, token, kind))?;
    let file = file(state, &opened.claims.record_id).await.map_err(|e| ledger_error_page(&e))?;
    Ok((opened, file))
}

fn ledger_error_page(e: &LedgerError) -> Response {
    match e {
        LedgerError::Refused(kind) => error_page(*kind, Locale::Fr),
        other => {
            tracing::error!(error = %other, "manage page failed");
            error_page(ProblemType::Internal, Locale::Fr)
        }
    }
}

/// The subject's fields as held in their latest submission still held (corrected, if they were).
fn latest_fields(file: &SubjectFile) -> BTreeMap<String, String> {
    file.data.last().and_then(|d| held_fields(&d.data)).unwrap_or_default()
}

/// Whether the subject's latest held data hold fields the rectify form corrects (a signed submission, an imported
/// row, a consent given through the link).
fn correctable(file: &SubjectFile) -> bool {
    file.data.last().is_some_and(|d| held_fields(&d.data).is_some())
}

/// `GET /manage/{token}`.
pub async fn show(State(state): State<AppState>, Path(token): Path<String>, Query(done): Query<Done>) -> Response {
    let Opened { claims, site } = match open(&state, &token) {
        Ok(opened) => opened,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let file = match file(&state, &claims.record_id).await {
        Ok(file) => file,
        Err(e) => return ledger_error_page(&e),
    };
    let locale = file.records.last().map_or(site.config.default_locale(), |r| r.locale);
    render(&site, &token, &file, locale, done.done.as_deref(), None).into_response()
}

/// Why a corrected field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The submission rules (required, too long, control characters, email, year).
    Field(FieldErrorCode),
    /// `<` or `>`: nobody's name holds markup.
    Markup,
    /// A new address another subject of the site holds (whose, is not said).
    AddressTaken,
}

impl Refusal {
    fn message(self, locale: Locale) -> &'static str {
        match self {
            Refusal::Field(code) => code.message(locale),
            Refusal::Markup => words(locale).markup,
            Refusal::AddressTaken => words(locale).address_taken,
        }
    }
}

/// A refused correction: the values as typed (shown again in the form) and why each field was refused.
struct Correction {
    typed: BTreeMap<String, String>,
    refused: BTreeMap<String, Refusal>,
}

fn render(
    site: &Site,
    token: &str,
    file: &SubjectFile,
    locale: Locale,
    done: Option<&str>,
    correction: Option<&Correction>,
) -> Markup {
    let w = words(locale);
    let flash = match done {
        Some("rectified") => Some(w.done_rectified),
        Some("address") => Some(w.done_address),
        Some("saved") => Some(w.done_saved),
        Some("withdrawn") => Some(w.done_withdrawn),
        Some("erased") => Some(w.done_erased),
        Some("unconfirmed") => Some(w.erase_unconfirmed),
        Some(other) => consent_link::flash(other, locale),
        None => None,
    };
    let head = html! {
        h1 { (w.title) }
        p { (site.config.controller().name) }
        @if let Some(flash) = flash { p.notice role="status" { (flash) } }
        @if done == Some("stale") {
            p.notice role="alert" { (w.stale) }
            p.muted lang=(other(locale).tag()) { (words(other(locale)).stale) }
        }
    };
    if file.subject.anonymised_at.is_some() {
        return frame(locale, w.title, html! { (head) p { (w.gone) } });
    }
    // Choices: the subject's answers once confirmed, else the pending record's.
    let mut current: BTreeMap<String, bool> =
        file.records.iter().rev().find(|r| r.confirmed_at.is_none()).map(|r| r.choices.clone()).unwrap_or_default();
    for c in &file.consents {
        current.insert(c.purpose.clone(), c.granted);
    }
    let fields = latest_fields(file);
    let version = site.notice.version().as_str();
    let zone = site.config.time_zone();
    let body = html! {
        (head)
        p { (w.intro) }
        @if file.records.iter().any(|r| r.status == crate::storage::RecordStatus::Pending)
            && file.records.iter().all(|r| r.confirmed_at.is_none()) { p.notice { (w.pending) } }
        @if let Some(form) = consent_link::consent_form(site, token, file, locale) {
            (form)
        } @else if !consent_link::replaces_choices(file) {
        h2 id="choices" { (w.choices) }
        form method="post" action={ "/manage/" (token) "/choices" } {
            fieldset {
                legend { (w.choices) }
                @for purpose in &site.widget.purposes {
                    @let id = purpose.id.as_str();
                    label {
                        input type="checkbox" name="purpose" value=(id) id={ "p-" (id) }
                            checked[current.get(id).copied().unwrap_or(false)];
                        (purpose.label.get(locale))
                    }
                }
            }
            input type="hidden" name="notice_version" value=(version);
            p { (w.notice) " " a href={ "/v1/notices/" (version) } { (short(version)) } }
            button type="submit" { (w.save) }
        }
        }
        (consent_link::sections(site, token, file, locale))
        h2 { (w.withdraw_title) }
        p { (w.withdraw_text) }
        form method="post" action={ "/manage/" (token) "/withdraw" } {
            button type="submit" class="secondary" { (w.withdraw) }
        }
        h2 { (w.data) }
        dl {
            @for field in site.config.fields() {
                @if let Some(value) = fields.get(field.id.as_str()) {
                    dt { (field.label.get(locale)) } dd { (value) }
                }
            }
        }
        // Imported people hold no signed submission: nothing here to correct (yet).
        @if correctable(file) {
            h2 id="rectify" { (w.rectify_title) }
            p { (w.rectify_text) }
            @if correction.is_some() {
                p.notice role="alert" { (w.rectify_refused) }
                p.muted lang=(other(locale).tag()) { (words(other(locale)).rectify_refused) }
            }
            form method="post" action={ "/manage/" (token) "/rectify" } novalidate {
                @for field in &site.widget.fields {
                    @let id = field.id.as_str();
                    @let value = correction.and_then(|c| c.typed.get(id)).or_else(|| fields.get(id));
                    @let refusal = correction.and_then(|c| c.refused.get(id)).copied();
                    label for={ "f-" (id) } { (field.label.get(locale)) @if field.required { " *" } }
                    input id={ "f-" (id) } name=(id) value=[value]
                        type=(if field.kind == FieldKind::Email { "email" } else { "text" })
                        inputmode=[(field.kind == FieldKind::Year).then_some("numeric")]
                        required[field.required]
                        aria-invalid=[refusal.map(|_| "true")]
                        aria-describedby=[refusal.map(|_| format!("e-{id}"))];
                    @if let Some(refusal) = refusal {
                        p.error id={ "e-" (id) } {
                            (refusal.message(locale)) " "
                            span lang=(other(locale).tag()) { (refusal.message(other(locale))) }
                        }
                    }
                }
                button type="submit" { (w.rectify) }
            }
        }
        (crate::routes::profile::section(site, token, file, locale, done))
        h2 { (w.history) }
        table {
            thead { tr { @for column in w.columns { th scope="col" { (column) } } } }
            tbody {
                @for r in &file.records {
                    tr {
                        td { time datetime=(rfc3339(r.created_at)) { (zone.date_time(r.created_at, locale)) } }
                        td { (site.config.cta(&r.cta).map_or(consent_link::channel(&r.cta, locale), |c| c.label.get(locale))) }
                        td { ((w.status)(r.status.as_str())) }
                        td { a href={ "/v1/notices/" (r.notice_version) } { (short(&r.notice_version)) } }
                    }
                }
            }
        }
        h2 { (w.download_title) }
        p { a href={ "/manage/" (token) "/data.json" } download { (w.download) } }
        h2 { (w.erase_title) }
        p { (w.erase_text) }
        form method="post" action={ "/manage/" (token) "/erase" } {
            label { input type="checkbox" name="confirm" value="yes" required; (w.erase_check) }
            button type="submit" class="danger" { (w.erase) }
        }
    };
    frame(locale, w.title, body)
}

/// A notice version as people are shown it: its first 12 hex digits.
fn short(version: &str) -> String {
    version.chars().take(12).collect()
}

fn back(token: &str, done: &str) -> Response {
    Redirect::to(&format!("/manage/{token}?done={done}")).into_response()
}

/// `POST /manage/{token}/choices` with `purpose=…` for each ticked box and the `notice_version` the page showed.
/// Consent is to the notice actually shown: if another notice was published since (or the form names none), the
/// change is refused (409, nothing stored) and the page shows the new notice's form; else the `changed` event
/// names that version.
pub async fn change(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let Opened { claims, site } = match open(&state, &token) {
        Ok(opened) => opened,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let current = site.notice.version().as_str();
    if !form.iter().any(|(k, v)| k == "notice_version" && v == current) {
        let file = match file(&state, &claims.record_id).await {
            Ok(file) => file,
            Err(e) => return ledger_error_page(&e),
        };
        let locale = file.records.last().map_or(site.config.default_locale(), |r| r.locale);
        return (StatusCode::CONFLICT, render(&site, &token, &file, locale, Some("stale"), None)).into_response();
    }
    let ticked: Vec<&str> = form.iter().filter(|(k, _)| k == "purpose").map(|(_, v)| v.as_str()).collect();
    let choices: BTreeMap<String, bool> =
        site.widget.purposes.iter().map(|p| (p.id.to_string(), ticked.contains(&p.id.as_str()))).collect();
    let now = state.now();
    let id = claims.record_id.clone();
    let request = Request::Change { choices, notice_version: Some(current.to_owned()) };
    let acted = state.writer.run(move |l| {
        let id = l.acting_record(&id)?;
        l.act(&id, &Actor::ManageLink, &request, now)
    });
    match acted.await {
        Ok(_) => back(&token, "saved"),
        Err(e) => ledger_error_page(&e),
    }
}

/// `POST /manage/{token}/withdraw`.
pub async fn withdraw(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Opened { claims, .. } = match open(&state, &token) {
        Ok(opened) => opened,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let now = state.now();
    let id = claims.record_id.clone();
    let acted = state.writer.run(move |l| {
        let id = l.acting_record(&id)?;
        l.act(&id, &Actor::ManageLink, &Request::Withdraw, now)
    });
    match acted.await {
        Ok(_) => back(&token, "withdrawn"),
        Err(e) => ledger_error_page(&e),
    }
}

/// `POST /manage/{token}/rectify` with one `field id = value` per field of the form (art. 16). The values are
/// checked by the submissions' rules ([`check_subject`]), and markup is refused; a refusal answers 422 with the
/// form as typed and stores nothing. Otherwise each record whose held data change gets a `rectified` event.
pub async fn rectify(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (Opened { claims, site }, file) = match opened_file(&state, &token).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    if file.subject.anonymised_at.is_some() || !correctable(&file) {
        return error_page(ProblemType::UnknownRecord, Locale::Fr);
    }
    let locale = file.records.last().map_or(site.config.default_locale(), |r| r.locale);
    let fields = &site.widget.fields;
    let typed: BTreeMap<String, String> =
        form.into_iter().filter(|(k, _)| fields.iter().any(|f| f.id.as_str() == k)).collect();
    let mut candidate = latest_fields(&file);
    for (id, value) in &typed {
        match value.trim() {
            "" => candidate.remove(id),
            value => candidate.insert(id.clone(), value.to_owned()),
        };
    }
    let mut refused: BTreeMap<String, Refusal> = match check_subject(fields, &candidate) {
        // A field held from an older form (no longer asked) is not the subject's mistake.
        Err(SubmissionError::Fields(errors)) => errors
            .into_iter()
            .filter(|e| e.code != FieldErrorCode::Unknown)
            .map(|e| (e.field, Refusal::Field(e.code)))
            .collect(),
        _ => BTreeMap::new(),
    };
    for (id, value) in &typed {
        if value.contains(['<', '>']) {
            refused.entry(id.clone()).or_insert(Refusal::Markup);
        }
    }
    let email_field = fields.iter().find(|f| f.kind == FieldKind::Email).map(|f| f.id.to_string());
    let new_address = email_field
        .as_ref()
        .and_then(|id| typed.get(id))
        .map(|e| normalise_email(e))
        .filter(|e| refused.is_empty() && !e.is_empty() && file.subject.email.as_deref() != Some(e.as_str()));
    if let (Some(address), Some(id)) = (&new_address, &email_field) {
        let (site_id, address) = (site.config.site().to_string(), address.clone());
        match state.read(move |l| l.latest_record_of_email(&site_id, &address)).await {
            Ok(Some(other)) if other.subject_id != file.subject.subject_id => {
                refused.insert(id.clone(), Refusal::AddressTaken);
            }
            Ok(_) => {}
            Err(e) => return ledger_error_page(&e),
        }
    }
    if !refused.is_empty() {
        let correction = Correction { typed, refused };
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&site, &token, &file, locale, None, Some(&correction)))
            .into_response();
    }
    // The address changes only once the new one confirms: until then, a link is all that is sent.
    let corrections: BTreeMap<String, String> =
        typed.into_iter().filter(|(id, _)| Some(id) != email_field.as_ref()).collect();
    let now = state.now();
    let id = claims.record_id.clone();
    let mail = new_address.as_ref().map(|a| MailJob::AddressChange { record_id: id.clone() }.to(a));
    let done = state
        .writer
        .run(move |l| {
            let changed = l.rectify(&id, &corrections, None, now)?;
            if let Some(mail) = &mail {
                l.enqueue_mail(mail, now)?;
            }
            Ok(changed)
        })
        .await;
    match done {
        Ok(_) if new_address.is_some() => {
            state.mail_wakeup.notify_one();
            back(&token, "address")
        }
        Ok(_) => back(&token, "rectified"),
        Err(e) => ledger_error_page(&e),
    }
}

/// `GET /address/{token}`: the link sent to a new address. A mail scanner may fetch it, so it only shows a
/// button; the change is the POST.
pub async fn show_address(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let claims = match links::open(&state.keys, &token, LinkKind::Address, state.now()) {
        Ok(claims) => claims,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let id = claims.record_id.clone();
    match state.read(move |l| l.subject_file(&id)).await {
        Ok(file) if superseded(&file, &claims) => return superseded_page(),
        Ok(_) => {}
        Err(e) => return ledger_error_page(&e),
    }
    let w = words(Locale::Fr);
    frame(
        Locale::Fr,
        w.title,
        html! {
            h1 { (w.title) }
            form method="post" {
                button type="submit" { (w.address_confirm) " / " (EN.address_confirm) }
            }
        },
    )
    .into_response()
}

/// `POST /address/{token}`: the new address confirmed; it becomes the subject's, and a `rectified` event names
/// the field `email`. Following the link again changes nothing more; a link superseded by a later address change
/// is refused (409).
pub async fn confirm_address(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let claims = match links::open(&state.keys, &token, LinkKind::Address, state.now()) {
        Ok(claims) => claims,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let (Some(site), Some(address)) = (state.sites.get(&claims.site), claims.email.clone()) else {
        return error_page(ProblemType::InvalidLink, Locale::Fr);
    };
    let Some(field) = site.widget.fields.iter().find(|f| f.kind == FieldKind::Email).map(|f| f.id.to_string()) else {
        return error_page(ProblemType::InvalidLink, Locale::Fr);
    };
    let now = state.now();
    let id = claims.record_id.clone();
    let fields = BTreeMap::from([(field, address.clone())]);
    let done = state
        .writer
        .run(move |l| {
            let file = l.subject_file(&id)?;
            // Checked in the writer: an address confirmed in between supersedes this link too.
            if superseded(&file, &claims) {
                return Ok(None);
            }
            let previous = file.subject.email;
            let changed = l.rectify(&id, &fields, Some(&address), now)?;
            if let Some(previous) = previous.filter(|p| *p != address) {
                l.enqueue_mail(&MailJob::AddressChanged { record_id: id.clone() }.to(&previous), now)?;
            }
            Ok(Some(changed))
        })
        .await;
    state.mail_wakeup.notify_one();
    let (fr, en) = match done {
        Ok(None) => return superseded_page(),
        Ok(Some(_)) => (FR.address_changed, EN.address_changed),
        // Another subject took the address in between: whose is not said.
        Err(LedgerError::Refused(ProblemType::InvalidField)) => (FR.address_taken, EN.address_taken),
        Err(e) => return ledger_error_page(&e),
    };
    let status = if fr == FR.address_changed { StatusCode::OK } else { StatusCode::CONFLICT };
    let page = html! { h1 { (FR.title) } p role="status" { (fr) } p lang="en" { (en) } };
    (status, frame(Locale::Fr, FR.title, page)).into_response()
}

/// Whether the subject's address changed after this address link was sent, to another address than the one it
/// names: following it then would move the address back (a stale mailbox taking the account again). A link to
/// the address in force is not superseded: following it again changes nothing.
fn superseded(file: &SubjectFile, claims: &LinkClaims) -> bool {
    if file.subject.email.is_some() && file.subject.email == claims.email {
        return false;
    }
    let sent_ms = claims.iat * 1000;
    file.events.iter().filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.body).ok()).any(|event| {
        event["kind"] == "rectified"
            && event["detail"]["fields"].as_array().is_some_and(|f| f.iter().any(|f| f == "email"))
            && event["at"].as_str().and_then(parse_rfc3339).is_some_and(|at| at >= sent_ms)
    })
}

/// The answer to a superseded address link: 409, nothing changed, French first.
fn superseded_page() -> Response {
    let page = html! {
        h1 { (FR.title) }
        p role="alert" { (FR.address_superseded) }
        p lang="en" { (EN.address_superseded) }
    };
    (StatusCode::CONFLICT, frame(Locale::Fr, FR.title, page)).into_response()
}

/// `POST /manage/{token}/erase` with `confirm=yes`.
pub async fn erase(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let Opened { claims, .. } = match open(&state, &token) {
        Ok(opened) => opened,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    if !form.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        return back(&token, "unconfirmed");
    }
    let now = state.now();
    let id = claims.record_id.clone();
    match crate::mail::outbox::erase_subject(&state, id, now).await {
        Ok(()) => back(&token, "erased"),
        Err(e) => ledger_error_page(&e),
    }
}

/// `GET /manage/{token}/data.json`: everything held about the subject (art. 20), machine-readable.
pub async fn download(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Opened { claims, site } = match open(&state, &token) {
        Ok(opened) => opened,
        Err(kind) => return link_problem(&state, &token, kind),
    };
    let file = match file(&state, &claims.record_id).await {
        Ok(file) => file,
        Err(e) => return ledger_error_page(&e),
    };
    let document = crate::subject_data::document(&file, &site, &state.settings.public_url, state.now());
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"mes-donnees.json\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        serde_json::to_string_pretty(&document).unwrap_or_default(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::{EN, FR};

    #[test]
    fn an_imported_record_is_not_called_erased() {
        assert_eq!((FR.status)("imported"), "importé par l'école (aucun consentement donné)");
        assert_eq!((EN.status)("imported"), "imported by the school (no consent given)");
        assert_eq!((FR.status)("erased"), "effacé");
    }
}
