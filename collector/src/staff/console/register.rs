//! The register: find a subject by exact email or record id, see everything held on them (choices per purpose,
//! every record with its CTA, page, notice version and status, the full ledger history, the data held), and
//! download their proof bundle.
//!
//! Searches are exact and scoped to the account's sites: another site's subject is "not found", as an unknown
//! one is. The audit log records each search (how many found, never what was typed), each subject view and
//! each proof download.

use super::period::day_of_ms;
use super::{bounded, staff_db, store};
use crate::AppState;
use crate::clock::rfc3339;
use crate::intake::normalise_email;
use crate::ledger::{Event, LedgerError, SubjectFile};
use crate::proof::{ChainCheck, ChainWalk, ProofInput};
use crate::sites::Site;
use crate::staff::csrf::CsrfForm;
use crate::staff::{Role, Staff, StaffError, audit, layout};
use crate::storage::StoreError;
use crate::storage::submission_of;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Events read per round trip during the chain check.
const CHAIN_BATCH: usize = 2000;

/// `?q=` of the search.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

fn ledger_error(e: LedgerError) -> StaffError {
    match e {
        LedgerError::Refused(_) => StaffError::NotFound,
        LedgerError::Store(e) => StaffError::Store(e),
        LedgerError::Canonical(e) => StaffError::Store(StoreError::Corrupt(e.to_string())),
        LedgerError::Busy => StaffError::Store(StoreError::Database(LedgerError::Busy.to_string())),
    }
}

/// The subject file of `subject_id` on `site`, or `None`.
async fn file_of(state: &AppState, site: &str, subject_id: &str) -> Result<Option<SubjectFile>, StaffError> {
    let (site, subject_id) = (site.to_owned(), subject_id.to_owned());
    state
        .read(move |ledger| {
            let Some(subject) = ledger.store().subject(&subject_id)? else { return Ok(None) };
            if subject.site != site {
                return Ok(None);
            }
            let Some(last) = ledger.store().records_of_subject(&subject_id)?.pop() else { return Ok(None) };
            ledger.subject_file(&last.record_id).map(Some)
        })
        .await
        .map_err(ledger_error)
}

/// The subjects matching an exact email or record id on the given sites: (site, subject id).
async fn find(state: &AppState, sites: Vec<String>, query: String) -> Result<Vec<(String, String)>, StaffError> {
    state
        .read(move |ledger| {
            let mut found = Vec::new();
            if query.contains('@') {
                let email = normalise_email(&query);
                for site in &sites {
                    if let Some(subject) = ledger.store().subject_by_email(site, &email)? {
                        found.push((site.clone(), subject.subject_id));
                    }
                }
            } else if let Some(record) = ledger.store().record(&query)?
                && sites.contains(&record.site)
            {
                found.push((record.site, record.subject_id));
            }
            Ok(found)
        })
        .await
        .map_err(ledger_error)
}

/// `GET /staff/register?q=…`.
pub async fn search(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<SearchQuery>,
) -> Result<Response, StaffError> {
    staff.require(Role::Staff)?;
    let query = bounded(q.q.as_deref().unwrap_or(""))?.to_owned();
    let s = &staff;
    let mut found = Vec::new();
    if !query.is_empty() {
        let sites: Vec<String> =
            staff.visible_sites().iter().map(|site| site.config.site().as_str().to_owned()).collect();
        found = find(&state, sites, query.clone()).await?;
        audit::append(&state, &staff, "register.search", json!({"found": found.len()})).await?;
        if let [(site, subject)] = found.as_slice() {
            return Ok(Redirect::to(&format!("/staff/register/{site}/{subject}")).into_response());
        }
    }
    let title = s.t("Registre", "Register");
    let body = html! {
        h1 { (title) }
        form method="get" action="/staff/register" role="search" {
            label for="q" { (s.t("Courriel exact ou identifiant d'enregistrement", "Exact email or record id")) }
            input type="search" id="q" name="q" value=(query) maxlength="320" autocomplete="off" required;
            button type="submit" { (s.t("Chercher", "Search")) }
        }
        @if !query.is_empty() {
            @if found.is_empty() {
                p role="status" { (s.t("Aucune personne ne correspond exactement dans vos sites.", "No subject matches exactly in your sites.")) }
            } @else {
                ul { @for (site, subject) in &found { li { a href={ "/staff/register/" (site) "/" (subject) } { (site) " — " (subject) } } } }
            }
        }
    };
    Ok(layout::page(Some(&staff), title, body).into_response())
}

fn status_label(s: &Staff, status: &str) -> &'static str {
    match status {
        "pending" => s.t("en attente de confirmation", "waiting for confirmation"),
        "confirmed" => s.t("confirmé", "confirmed"),
        "withdrawn" => s.t("retiré", "withdrawn"),
        "expired" => s.t("expiré", "expired"),
        "imported" => s.t("importé (soft opt-in, aucun consentement)", "imported (soft opt-in, no consent)"),
        _ => s.t("effacé", "erased"),
    }
}

fn render(staff: &Staff, site: &Site, file: &SubjectFile) -> Markup {
    let s = staff;
    let subject = &file.subject;
    let page_of = |record_id: &str| {
        file.data.iter().find(|d| d.record_id == record_id).and_then(|d| submission_of(&d.data)).map(|p| p.page_url)
    };
    // The latest data held: a signed submission's fields (as corrected, art. 16), or an imported row's.
    let fields = file
        .data
        .last()
        .and_then(|d| {
            crate::ledger::held_fields(&d.data)
                .or_else(|| crate::ledger::import::ImportedData::parse(&d.data).map(|i| i.subject))
        })
        .unwrap_or_default();
    let profile = crate::routes::profile::current(file);
    let events: Vec<(Event, &str)> =
        file.events.iter().filter_map(|e| serde_json::from_str(&e.body).ok().map(|ev| (ev, e.hash.as_str()))).collect();
    let base = format!("/staff/register/{}/{}", site.config.site(), subject.subject_id);
    html! {
        h1 { (s.t("Personne", "Subject")) " " code { (subject.subject_id) } }
        p { (s.t("Site ", "Site ")) (site.config.site()) " — " (s.t("première soumission le ", "first submission on ")) (rfc3339(subject.created_at))
            " — " (s.t("dernière activité le ", "last activity on ")) (rfc3339(subject.last_activity_at)) }
        @if let Some(at) = subject.anonymised_at {
            p.notice role="status" { (s.t("Les données personnelles ont été supprimées le ", "Personal data were removed on ")) (rfc3339(at))
                (s.t(" ; seules les empreintes restent dans le registre.", "; only hashes remain in the ledger.")) }
        }
        form method="post" action={ (base) "/proof" } {
            input type="hidden" name="csrf" value=(staff.csrf_token);
            button type="submit" { (s.t("Télécharger le paquet de preuve (ZIP)", "Download the proof bundle (ZIP)")) }
        }
        p { a href={ "/staff/requests?site=" (site.config.site()) "&subject=" (subject.subject_id) } {
            (s.t("Enregistrer une demande de droits pour cette personne", "Log a rights request for this subject")) } }
        h2 { (s.t("Choix actuels par finalité", "Current choices per purpose")) }
        table {
            thead { tr { th scope="col" { (s.t("Finalité", "Purpose")) } th scope="col" { (s.t("Réponse", "Answer")) }
                th scope="col" { (s.t("Depuis", "Since")) } th scope="col" { (s.t("Enregistrement", "Record")) } } }
            tbody {
                @for c in &file.consents { tr {
                    th scope="row" { (site.config.purposes().iter().find(|p| p.id.as_str() == c.purpose).map_or(c.purpose.as_str(), |p| p.label.get(s.locale))) }
                    td { @if c.granted { (s.t("oui", "yes")) } @else { (s.t("non", "no")) } }
                    td { (rfc3339(c.updated_at)) } td { code { (c.record_id) } }
                } }
                @if file.consents.is_empty() { tr { td colspan="4" { (s.t("Aucune réponse confirmée.", "No confirmed answer.")) } } }
            }
        }
        h2 { (s.t("Enregistrements", "Records")) }
        table {
            thead { tr { th scope="col" { (s.t("Enregistrement", "Record")) } th scope="col" { "CTA" } th scope="col" { "Page" }
                th scope="col" { (s.t("Notice", "Notice")) } th scope="col" { (s.t("État", "Status")) } th scope="col" { (s.t("Choix", "Choices")) }
                th scope="col" { (s.t("Soumis", "Submitted")) } th scope="col" { (s.t("Confirmé", "Confirmed")) } } }
            tbody { @for r in &file.records { tr {
                th scope="row" { code { (r.record_id) } }
                td { (site.config.cta(&r.cta).map_or(r.cta.as_str(), |c| c.label.get(s.locale))) }
                td { (page_of(&r.record_id).unwrap_or_else(|| s.t("(données effacées)", "(data erased)").to_owned())) }
                td { a href={ "/v1/notices/" (r.notice_version) } { (r.notice_version.get(..12).unwrap_or(&r.notice_version)) } }
                td { (status_label(s, r.status.as_str())) }
                td { @for (p, g) in &r.choices { (p) " : " @if *g { (s.t("oui", "yes")) } @else { (s.t("non", "no")) } br; } }
                td { (rfc3339(r.created_at)) }
                td { (r.confirmed_at.map(rfc3339).unwrap_or_default()) }
            } } }
        }
        h2 { (s.t("Données détenues", "Data held")) }
        dl {
            dt { (s.t("Courriel", "Email")) } dd { (subject.email.as_deref().unwrap_or(s.t("(effacé)", "(erased)"))) }
            @for field in site.config.fields() {
                @if let Some(value) = fields.get(field.id.as_str()) { dt { (field.label.get(s.locale)) } dd { (value) } }
            }
            // The career profile held beside the submission (issue 15.2).
            @for field in site.config.profile() {
                @if let Some(value) = profile.get(field.id.as_str()) {
                    dt { (field.label.get(s.locale)) } dd { (field.display(value, s.locale)) }
                }
            }
            dt { (s.t("Soumissions signées conservées", "Signed submissions held")) } dd { (file.data.len()) }
        }
        h2 { (s.t("Historique dans le registre", "Ledger history")) }
        table {
            thead { tr { th scope="col" { "N°" } th scope="col" { (s.t("Événement", "Event")) } th scope="col" { (s.t("Date", "Date")) }
                th scope="col" { (s.t("Détail", "Detail")) } th scope="col" { (s.t("Empreinte", "Hash")) } } }
            tbody { @for (e, hash) in &events { tr {
                th scope="row" { (e.seq) } td { (e.kind.as_str()) @if let Some(via) = via_label(s, e) { br; small { (via) } } } td { (e.at) }
                td { code { (serde_json::to_string(&e.detail).unwrap_or_default()) } }
                td { code title=(hash) { (hash.get(..16).unwrap_or(hash)) "…" } }
            } } }
        }
    }
}

/// Through which channel an event came, in words (the `via` of its detail).
fn via_label(s: &Staff, event: &Event) -> Option<&'static str> {
    Some(match event.detail.get("via")?.as_str()? {
        "device" => s.t("par l'appareil de la personne", "by the subject's device"),
        "manage_link" => s.t("par la personne (lien de gestion)", "by the subject (manage link)"),
        "staff" => s.t("par le personnel (console, voir le journal d'audit)", "by staff (console, see the audit log)"),
        _ => return None,
    })
}

/// The subject of a page, or 404 (out of scope, unknown, or of another site).
async fn scoped_file(
    state: &AppState,
    staff: &Staff,
    site: &str,
    subject: &str,
) -> Result<(Arc<Site>, SubjectFile), StaffError> {
    let site = staff.site(site)?;
    bounded(subject)?;
    let file = file_of(state, site.config.site().as_str(), subject).await?.ok_or(StaffError::NotFound)?;
    Ok((site, file))
}

/// `GET /staff/register/{site}/{subject}`.
pub async fn subject(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, subject)): Path<(String, String)>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Staff)?;
    let (site, file) = scoped_file(&state, &staff, &site, &subject).await?;
    audit::append(
        &state,
        &staff,
        "subject.view",
        json!({"site": site.config.site().as_str(), "subject_id": file.subject.subject_id}),
    )
    .await?;
    let title = staff.t("Registre — personne", "Register — subject");
    Ok(layout::page(Some(&staff), title, render(&staff, &site, &file)))
}

/// The chain check of a bundle: from the last checkpoint (or genesis) to the head, recorded as the next
/// checkpoint. A broken chain is refused with the first broken link named.
pub(super) async fn check_chain(state: &AppState) -> Result<ChainCheck, StaffError> {
    let db = staff_db(state)?;
    let now = state.now();
    let walked = db
        .call(move |conn| {
            let checkpoint = store::checkpoint(conn)?;
            let mut walk = checkpoint.as_ref().map_or_else(ChainWalk::from_genesis, ChainWalk::from_checkpoint);
            let mut after = checkpoint.as_ref().map_or(0, |c| c.seq);
            loop {
                let batch = store::events_after(conn, after, CHAIN_BATCH)?;
                for event in &batch {
                    if let Err(broken) = walk.step(event) {
                        return Ok(Err(broken));
                    }
                }
                match batch.last() {
                    Some(last) if batch.len() == CHAIN_BATCH => after = last.seq,
                    _ => break,
                }
            }
            let head = walk.checkpoint(now);
            if walk.checked() > 0 {
                store::put_checkpoint(conn, &head)?;
            }
            Ok(Ok(ChainCheck {
                head_seq: head.seq,
                head_hash: head.hash,
                events_checked: walk.checked(),
                checkpoint,
                checked_at: rfc3339(now),
            }))
        })
        .await?;
    walked.map_err(|broken| {
        tracing::error!("proof bundle refused: the ledger chain is broken");
        StaffError::invalid(
            format!("Le registre est altéré ; aucun paquet de preuve ne peut être produit. {broken}"),
            "The ledger is altered; no proof bundle can be made (see the French text for the first broken link).",
        )
    })
}

/// Reads what a bundle needs: the file, the notice texts, each event's successor.
async fn proof_input(state: &AppState, file: SubjectFile) -> Result<ProofInput, StaffError> {
    // The chain check comes after the subject's events are read, so that its head is never before them.
    let (file, notices, successors) = state
        .read(move |ledger| {
            crate::proof::gather(ledger, &file).map(|(notices, successors)| (file, notices, successors))
        })
        .await
        .map_err(ledger_error)?;
    let chain = check_chain(state).await?;
    Ok(ProofInput { file, notices, successors, chain, generated_at: state.now() })
}

/// `POST /staff/register/{site}/{subject}/proof`: the bundle, as a download.
pub async fn proof(
    State(state): State<AppState>,
    staff: Staff,
    Path((site, subject)): Path<(String, String)>,
    CsrfForm(_form): CsrfForm<serde_json::Value>,
) -> Result<Response, StaffError> {
    staff.require(Role::Staff)?;
    let (site, file) = scoped_file(&state, &staff, &site, &subject).await?;
    let subject_id = file.subject.subject_id.clone();
    let input = proof_input(&state, file).await?;
    let events = input.file.events.len();
    let bundle =
        crate::proof::build(&input, &state.key).map_err(|e| StaffError::Store(StoreError::Corrupt(e.to_string())))?;
    audit::append(
        &state,
        &staff,
        "proof.download",
        json!({"site": site.config.site().as_str(), "subject_id": subject_id, "events": events, "head_seq": input.chain.head_seq}),
    )
    .await?;
    let name = format!("preuve-{}-{}.zip", subject_id, super::period::iso(day_of_ms(state.now())));
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bundle,
    )
        .into_response())
}
