//! Rights requests received outside the manage page — by letter, by email to the DPO — logged by an admin, with
//! the one-month deadline of GDPR art. 12(3) shown as days left, and answered from here: send the subject
//! everything held (a readable summary and the manage page's art. 15/20 JSON download attached, queued in the
//! collector's mail queue and composed from the ledger when it leaves), erase them through the ledger (art. 17),
//! and record the answer. Each step is kept on the request and written to the audit log.

use super::period::{add_months, date_of_day, day_of_date, day_of_ms, iso, parse_iso};
use super::{bounded, chosen_site, staff_db, store};
use crate::AppState;
use crate::clock::rfc3339;
use crate::intake::normalise_email;
use crate::mail::MailJob;
use crate::staff::csrf::CsrfForm;
use crate::staff::{Role, Staff, StaffError, audit, layout};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What the person asks for.
const KINDS: [(&str, &str, &str); 5] = [
    ("access", "Accès (art. 15)", "Access (art. 15)"),
    ("rectification", "Rectification (art. 16)", "Rectification (art. 16)"),
    ("erasure", "Effacement (art. 17)", "Erasure (art. 17)"),
    ("restriction", "Limitation (art. 18)", "Restriction (art. 18)"),
    ("objection", "Opposition (art. 21)", "Objection (art. 21)"),
];

/// How it came.
const CHANNELS: [(&str, &str, &str); 3] =
    [("letter", "Courrier", "Letter"), ("email", "Courriel au DPO", "Email to the DPO"), ("other", "Autre", "Other")];

/// The longest answer kept.
const MAX_ANSWER: usize = 4000;

/// One thing done on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// When, Unix ms.
    pub at: i64,
    /// The account (its email).
    pub by: String,
    /// `logged`, `access_sent` (the export emailed), `erased`, `answered`.
    pub step: String,
    /// A note (the answer's text for `answered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A rights request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightsRequest {
    /// Id.
    pub request_id: String,
    /// Site.
    pub site: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// One of [`CHANNELS`].
    pub channel: String,
    /// Who asked, as written in the request (an address or a name).
    pub requester: String,
    /// The subject it was matched to, when found.
    pub subject_id: Option<String>,
    /// The day it was received (the deadline runs from it).
    pub received_on: i32,
    /// `open` or `answered`.
    pub status: String,
    /// The answer given.
    pub answer: Option<String>,
    /// What was done.
    pub steps: Vec<Step>,
    /// Logged at, Unix ms.
    pub created_at: i64,
    /// Last step, Unix ms.
    pub updated_at: i64,
}

impl RightsRequest {
    /// The art. 12(3) deadline: one month after receipt.
    pub fn deadline(&self) -> i32 {
        day_of_date(add_months(date_of_day(self.received_on), 1))
    }
}

fn label<'a>(staff: &Staff, table: &'a [(&str, &'a str, &'a str)], key: &str) -> &'a str {
    table.iter().find(|(k, _, _)| *k == key).map_or("?", |(_, fr, en)| staff.t(fr, en))
}

fn days_left(staff: &Staff, request: &RightsRequest, today: i32) -> Markup {
    let left = request.deadline() - today;
    html! {
        @if request.status == "answered" { (staff.t("répondu", "answered")) }
        @else if left >= 0 {
            strong { (left) } " " (staff.t("jours restants (échéance le ", "days left (due ")) (iso(request.deadline())) ")"
        } @else {
            strong.overdue { (staff.t("En retard de ", "Overdue by ")) (-left) (staff.t(" jours", " days")) }
            " (" (staff.t("échéance le ", "due ")) (iso(request.deadline())) ")"
        }
    }
}

/// `?site=&subject=` of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    site: Option<String>,
    subject: Option<String>,
}

/// `GET /staff/requests`.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    let site = chosen_site(&staff, q.site.as_deref())?;
    let site_id = site.config.site().as_str().to_owned();
    let db = staff_db(&state)?;
    let id = site_id.clone();
    let requests = db.call(move |conn| store::requests_of_site(conn, &id)).await?;
    let today = day_of_ms(state.now());
    let s = &staff;
    let title = s.t("Demandes de droits", "Rights requests");
    let body = html! {
        h1 { (title) " — " (site_id) }
        p { (s.t("Le responsable répond dans un délai d'un mois à compter de la réception (RGPD art. 12(3)).",
                 "The controller answers within one month of receipt (GDPR art. 12(3)).")) }
        table {
            caption { (s.t("Demandes, les ouvertes d'abord", "Requests, open ones first")) }
            thead { tr { th scope="col" { (s.t("Reçue le", "Received")) } th scope="col" { (s.t("Droit", "Right")) }
                th scope="col" { (s.t("Demandeur", "Requester")) } th scope="col" { (s.t("Délai", "Deadline")) } } }
            tbody {
                @for r in &requests { tr {
                    th scope="row" { a href={ "/staff/requests/" (r.request_id) } { (iso(r.received_on)) } }
                    td { (label(s, &KINDS, &r.kind)) } td { (r.requester) } td { (days_left(s, r, today)) }
                } }
                @if requests.is_empty() { tr { td colspan="4" { (s.t("Aucune demande.", "No request.")) } } }
            }
        }
        h2 id="new" { (s.t("Enregistrer une demande reçue", "Log a request received")) }
        form method="post" action="/staff/requests" aria-labelledby="new" {
            input type="hidden" name="csrf" value=(staff.csrf_token);
            input type="hidden" name="site" value=(site_id);
            @if let Some(subject) = &q.subject { input type="hidden" name="subject" value=(subject); }
            label for="kind" { (s.t("Droit exercé", "Right exercised")) }
            select id="kind" name="kind" { @for (k, fr, en) in KINDS { option value=(k) { (s.t(fr, en)) } } }
            label for="channel" { (s.t("Reçue par", "Received by")) }
            select id="channel" name="channel" { @for (k, fr, en) in CHANNELS { option value=(k) { (s.t(fr, en)) } } }
            label for="requester" { (s.t("Courriel (ou nom) du demandeur", "Requester's email (or name)")) }
            input type="text" id="requester" name="requester" maxlength="320" required autocomplete="off";
            label for="received_on" { (s.t("Reçue le", "Received on")) }
            input type="date" id="received_on" name="received_on" value=(iso(today)) required;
            button type="submit" { (s.t("Enregistrer la demande", "Log the request")) }
        }
    };
    Ok(layout::page(Some(&staff), title, body))
}

/// The new request form.
#[derive(Debug, Deserialize)]
pub struct NewRequest {
    site: String,
    kind: String,
    channel: String,
    requester: String,
    received_on: String,
    subject: Option<String>,
}

/// `POST /staff/requests`.
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<NewRequest>,
) -> Result<Response, StaffError> {
    staff.require(Role::Admin)?;
    let site = staff.site(bounded(&form.site)?)?;
    let site_id = site.config.site().as_str().to_owned();
    let requester = bounded(&form.requester)?.to_owned();
    if requester.is_empty() {
        return Err(StaffError::invalid(
            "Indiquez le courriel ou le nom du demandeur.",
            "Give the requester's email or name.",
        ));
    }
    if !KINDS.iter().any(|k| k.0 == form.kind) || !CHANNELS.iter().any(|c| c.0 == form.channel) {
        return Err(StaffError::invalid("Droit ou canal inconnu.", "Unknown right or channel."));
    }
    let today = day_of_ms(state.now());
    let received_on = parse_iso(&form.received_on).filter(|d| *d <= today).ok_or_else(|| {
        StaffError::invalid(
            "Date de réception invalide (AAAA-MM-JJ, pas dans le futur).",
            "Invalid date of receipt (YYYY-MM-DD, not in the future).",
        )
    })?;
    // The subject: the one the register page came from, else the one holding the requester's address.
    let subject_id = match form.subject.as_deref().map(bounded).transpose()? {
        Some(subject) if !subject.is_empty() => Some(subject.to_owned()),
        _ => {
            let (site, email) = (site_id.clone(), normalise_email(&requester));
            state.read(move |l| Ok(l.store().subject_by_email(&site, &email)?.map(|s| s.subject_id))).await.map_err(
                |e: crate::ledger::LedgerError| StaffError::Store(crate::storage::StoreError::Database(e.to_string())),
            )?
        }
    };
    let now = state.now();
    let request = RightsRequest {
        request_id: crate::keys::sortable_id(now),
        site: site_id.clone(),
        kind: form.kind.clone(),
        channel: form.channel.clone(),
        requester,
        subject_id,
        received_on,
        status: "open".into(),
        answer: None,
        steps: vec![Step { at: now, by: staff.email.clone(), step: "logged".into(), note: None }],
        created_at: now,
        updated_at: now,
    };
    let id = request.request_id.clone();
    let db = staff_db(&state)?;
    let stored = request.clone();
    db.call(move |conn| store::put_request(conn, &stored)).await?;
    audit::append(&state, &staff, "request.logged", json!({"site": site_id, "request_id": id, "kind": request.kind}))
        .await?;
    Ok(Redirect::to(&format!("/staff/requests/{id}")).into_response())
}

/// The request of a page, or 404 when unknown or of a site out of scope.
async fn scoped(state: &AppState, staff: &Staff, id: &str) -> Result<RightsRequest, StaffError> {
    let db = staff_db(state)?;
    let id = bounded(id)?.to_owned();
    let request = db.call(move |conn| store::request(conn, &id)).await?.ok_or(StaffError::NotFound)?;
    staff.site(&request.site)?;
    Ok(request)
}

/// `GET /staff/requests/{id}`.
pub async fn show(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    let request = scoped(&state, &staff, &id).await?;
    let today = day_of_ms(state.now());
    let s = &staff;
    let title = s.t("Demande de droits", "Rights request");
    let action = format!("/staff/requests/{}", request.request_id);
    let body = html! {
        h1 { (title) " — " (label(s, &KINDS, &request.kind)) }
        dl {
            dt { (s.t("Site", "Site")) } dd { (request.site) }
            dt { (s.t("Reçue le", "Received on")) } dd { (iso(request.received_on)) " (" (label(s, &CHANNELS, &request.channel)) ")" }
            dt { (s.t("Demandeur", "Requester")) } dd { (request.requester) }
            dt { (s.t("Délai", "Deadline")) } dd { (days_left(s, &request, today)) }
            dt { (s.t("Personne", "Subject")) } dd {
                @if let Some(subject) = &request.subject_id { a href={ "/staff/register/" (request.site) "/" (subject) } { (subject) } }
                @else { (s.t("aucune personne trouvée pour ce demandeur", "no subject found for this requester")) }
            }
            @if let Some(answer) = &request.answer { dt { (s.t("Réponse", "Answer")) } dd { (answer) } }
        }
        h2 { (s.t("Étapes", "Steps")) }
        ol { @for step in &request.steps { li { (rfc3339(step.at)) " — " (step.step) " — " (step.by)
            @if let Some(note) = &step.note { " : " (note) } } } }
        @if request.status != "answered" {
            @if request.subject_id.is_some() {
                h2 id="access" { (s.t("Envoyer les données à la personne", "Send the subject their data")) }
                form method="post" action=(action) aria-labelledby="access" {
                    input type="hidden" name="csrf" value=(staff.csrf_token);
                    p { (s.t("Envoie à l'adresse enregistrée de la personne tout ce qui est détenu sur elle : un résumé lisible dans le message et, en pièce jointe, le même fichier JSON que le téléchargement de sa page de gestion (art. 15 et 20).",
                             "Sends the subject's registered address everything held about them: a readable summary in the message and, attached, the same JSON file as their manage page's download (art. 15 and 20).")) }
                    button type="submit" name="act" value="send_access" { (s.t("Envoyer l'export des données", "Send the data export")) }
                }
                h2 id="erase" { (s.t("Effacer la personne", "Erase the subject")) }
                form method="post" action=(action) aria-labelledby="erase" {
                    input type="hidden" name="csrf" value=(staff.csrf_token);
                    label { input type="checkbox" name="confirm" value="yes"; " " (s.t("Je confirme l'effacement définitif des données de cette personne.", "I confirm erasing this subject's data for good.")) }
                    button type="submit" name="act" value="erase" class="danger" { (s.t("Effacer", "Erase")) }
                }
            }
            h2 id="answer" { (s.t("Consigner la réponse", "Record the answer")) }
            form method="post" action=(action) aria-labelledby="answer" {
                input type="hidden" name="csrf" value=(staff.csrf_token);
                label for="answer-text" { (s.t("Réponse envoyée au demandeur", "Answer sent to the requester")) }
                textarea id="answer-text" name="answer" maxlength="4000" rows="4" required {}
                button type="submit" name="act" value="answer" { (s.t("Consigner et clore", "Record and close")) }
            }
        }
    };
    Ok(layout::page(Some(&staff), title, body))
}

/// A step's form.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    act: String,
    confirm: Option<String>,
    answer: Option<String>,
}

/// The subject's latest record and address, if their data are held.
async fn latest_record(state: &AppState, subject_id: String) -> Result<Option<(String, Option<String>)>, StaffError> {
    state
        .read(move |l| {
            let email = l.store().subject(&subject_id)?.and_then(|s| s.email);
            Ok(l.store().records_of_subject(&subject_id)?.pop().map(|r| (r.record_id, email)))
        })
        .await
        .map_err(|e| StaffError::Store(crate::storage::StoreError::Database(e.to_string())))
}

/// `POST /staff/requests/{id}`: one step.
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActForm>,
) -> Result<Response, StaffError> {
    staff.require(Role::Admin)?;
    let mut request = scoped(&state, &staff, &id).await?;
    if request.status == "answered" {
        return Err(StaffError::invalid("Cette demande est close.", "This request is closed."));
    }
    let now = state.now();
    let no_subject =
        || StaffError::invalid("Aucune donnée détenue pour ce demandeur.", "No data held for this requester.");
    let (step, note) = match form.act.as_str() {
        "send_access" => {
            let subject = request.subject_id.clone().ok_or_else(no_subject)?;
            let Some((record_id, Some(email))) = latest_record(&state, subject).await? else {
                return Err(no_subject());
            };
            let mail = MailJob::AccessExport { record_id }.to(&email);
            state
                .writer
                .run(move |l| l.enqueue_mail(&mail, now))
                .await
                .map_err(|e| StaffError::Store(crate::storage::StoreError::Database(e.to_string())))?;
            state.mail_wakeup.notify_one();
            ("access_sent", Some(format!("{} + résumé / summary", crate::subject_data::FILE_NAME)))
        }
        "erase" => {
            if form.confirm.as_deref() != Some("yes") {
                return Err(StaffError::invalid(
                    "Cochez la case pour confirmer l'effacement.",
                    "Tick the box to confirm the erasure.",
                ));
            }
            let subject = request.subject_id.clone().ok_or_else(no_subject)?;
            let Some((record_id, _)) = latest_record(&state, subject).await? else { return Err(no_subject()) };
            crate::mail::outbox::erase_subject_via(&state, record_id, now, crate::ledger::ErasedVia::Staff)
                .await
                .map_err(|e| StaffError::Store(crate::storage::StoreError::Database(e.to_string())))?;
            ("erased", None)
        }
        "answer" => {
            let answer = form.answer.as_deref().unwrap_or("").trim().to_owned();
            if answer.len() > MAX_ANSWER {
                return Err(StaffError::TooLarge);
            }
            if answer.is_empty() {
                return Err(StaffError::invalid("Écrivez la réponse donnée.", "Write the answer given."));
            }
            request.answer = Some(answer.clone());
            request.status = "answered".into();
            ("answered", Some(answer))
        }
        _ => return Err(StaffError::invalid("Action inconnue.", "Unknown action.")),
    };
    request.steps.push(Step { at: now, by: staff.email.clone(), step: step.into(), note });
    request.updated_at = now;
    let db = staff_db(&state)?;
    let stored = request.clone();
    db.call(move |conn| store::put_request(conn, &stored)).await?;
    audit::append(
        &state,
        &staff,
        "request.step",
        json!({"site": request.site, "request_id": request.request_id, "kind": request.kind, "step": step, "subject_id": request.subject_id}),
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/requests/{}", request.request_id)).into_response())
}
