//! Campaigns from the console: a school writes to its graduates under soft opt-in (CPCE L.34-5), or to the
//! people whose consent from before is to reconfirm — compose (a subject and Markdown with placeholders such as
//! `{{ first_name }}`, an unknown one shown at its line and column), preview for one real recipient (values
//! escaped), a test message to the signed-in account's own address only, then send after a confirmation step
//! that shows how many people it goes to; and every campaign's report (queued, sent, bounced, objected,
//! consents given afterwards per purpose).
//!
//! As listmonk does, reading the reports is for staff and admins, composing and sending for admins. The regime
//! decides what is offered: an autonomous association may not write to anyone to ask for consent, so its page
//! explains why and offers no soft opt-in campaign (only the reconfirmation of consents from before, when there
//! are some); a forged post is refused the same way, by [`audience::purposes`].
//!
//! Sending uses the command line's code ([`crate::campaign::deliver`]): the campaign and its recipients are
//! recorded in one transaction, then a thread of this process with a ledger connection of its own drains the
//! durable queue — at most one copy per person, even if the collector stops mid-campaign; the campaign's page
//! then offers to resume (or `collector campaign resume ID`).

use super::{chosen_site, staff_db};
use crate::AppState;
use crate::campaign::audience::{self, Audience, Refusal, Selection};
use crate::campaign::console_api::{Summary, first_addressee, summaries, values};
use crate::campaign::deliver::{DEFAULT_LEASE_MS, NewCampaign, Sender, create, field_names};
use crate::campaign::message::{Letter, compose};
use crate::campaign::report;
use crate::campaign::store::{self, CampaignRow};
use crate::campaign::template::{Rendered, Template, TemplateError};
use crate::campaign::{parse_rate, token};
use crate::clock::rfc3339;
use crate::ledger::{Ledger, LedgerError, sha256_hex};
use crate::links::{self, LinkKind};
use crate::sites::Site;
use crate::staff::csrf::CsrfForm;
use crate::staff::db::StaffPlace;
use crate::staff::{Role, Staff, StaffError, audit, layout};
use crate::storage::postgres::PostgresStore;
use crate::storage::sqlite::SqliteStore;
use crate::storage::{Store, StoreError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

/// The largest form the compose page posts (a long message with accents, URL-encoded).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// The longest subject line, in characters.
const MAX_SUBJECT: usize = 200;

/// The longest message, in characters.
const MAX_BODY: usize = 20_000;

/// Messages in flight at once (as `campaign send --parallel`).
const PARALLEL: usize = 4;

/// How many campaigns the campaigns page lists (the newest).
const LISTED: usize = 50;

/// How long the same message to the same audience is taken for a repeated click rather than a new campaign.
const REPEAT_WINDOW_MS: i64 = 3_600_000;

/// How many campaigns the dashboard shows.
const ON_DASHBOARD: usize = 3;

/// `?site=` of the page.
#[derive(Debug, Default, Deserialize)]
pub struct CampaignsQuery {
    site: Option<String>,
}

/// What the compose form posts.
#[derive(Debug, Default, Deserialize)]
pub struct Compose {
    site: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    rate: String,
    /// `preview`, `test`, `confirm` or `send`.
    #[serde(default)]
    step: String,
}

/// The form of a campaign's page (resume), with a pace instead of the campaign's.
#[derive(Debug, Default, Deserialize)]
pub struct Resume {
    #[serde(default)]
    rate: String,
}

/// What a post shows under the form.
enum Outcome {
    /// The template cannot be used: where and why.
    Template(TemplateError),
    /// The regime or the site's purposes forbid this audience.
    Refused(Refusal),
    /// Another input problem.
    Invalid(String),
    /// The message for one recipient (none when the audience is empty), and who the campaign would reach.
    Preview { rendered: Option<Rendered>, selection: Selection, test_sent: Option<bool> },
    /// The confirmation step.
    Confirm { selection: Selection },
}

/// The campaigns this process is sending now (their ids).
fn sending() -> &'static Mutex<BTreeSet<String>> {
    static SENDING: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    SENDING.get_or_init(Mutex::default)
}

fn is_sending(id: &str) -> bool {
    sending().lock().is_ok_and(|s| s.contains(id))
}

/// The runtime campaign messages leave on: one worker, living as long as the process, so that the SMTP
/// connections pooled on it stay usable by every later campaign and email.
fn runtime() -> Result<&'static tokio::runtime::Runtime, StaffError> {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("campaign-mail")
                .enable_all()
                .build()
                .inspect_err(|e| tracing::error!(error = %e, "cannot start the campaign runtime"))
                .ok()
        })
        .as_ref()
        .ok_or_else(|| store_error("the campaign runtime did not start"))
}

fn store_error(e: impl std::fmt::Display) -> StaffError {
    StaffError::Store(StoreError::Database(e.to_string()))
}

/// A ledger connection of its own for a sending thread (never inside tokio: a PostgreSQL client may not be).
fn open_ledger(place: &StaffPlace) -> Result<Ledger, StoreError> {
    let store: Box<dyn Store> = match place {
        StaffPlace::Sqlite(data) => Box::new(SqliteStore::open(data)?),
        StaffPlace::Postgres(url) => Box::new(PostgresStore::open_existing(url)?),
    };
    Ledger::open(store)
}

/// The audiences the site's regime allows.
fn allowed(site: &Site) -> Vec<Audience> {
    [Audience::SoftOptIn, Audience::Legacy].into_iter().filter(|a| audience::purposes(site, *a).is_ok()).collect()
}

fn audience_label(staff: &Staff, audience: &str) -> &'static str {
    match audience {
        "legacy" => staff.t("consentements d'avant, à reconfirmer", "consents from before, to reconfirm"),
        _ => staff.t("diplômés importés (soft opt-in)", "imported graduates (soft opt-in)"),
    }
}

/// The template's source from the form: the subject in a front matter, then the Markdown.
fn source_of(form: &Compose) -> String {
    let subject = form.subject.replace(['\r', '\n'], " ");
    format!("---\nsubject: {}\n---\n{}", subject.trim(), form.body.replace("\r\n", "\n"))
}

/// Where a template error is, in the form's words: the subject's column or the message's line and column.
fn located(staff: &Staff, e: &TemplateError) -> String {
    const SUBJECT_LINE: usize = 2;
    const BODY_FIRST_LINE: usize = 4;
    if e.line == SUBJECT_LINE {
        let column = e.column.saturating_sub("subject: ".len()).max(1);
        format!("{} {column}", staff.t("Objet, colonne", "Subject, column"))
    } else {
        let line = e.line.saturating_sub(BODY_FIRST_LINE - 1).max(1);
        format!("{} {line}, {} {}", staff.t("Message, ligne", "Message, line"), staff.t("colonne", "column"), e.column)
    }
}

/// The figures of `site`'s campaigns, newest first (`limit` at most).
async fn summaries_of(state: &AppState, site: &str, limit: usize) -> Result<Vec<Summary>, StaffError> {
    let (site, now) = (site.to_owned(), state.now());
    state.read(move |l| summaries(l, &site, limit, now)).await.map_err(store_error)
}

/// The last campaigns of `site`, for the dashboard.
pub async fn recent(state: &AppState, site: &str) -> Result<Vec<Summary>, StaffError> {
    summaries_of(state, site, ON_DASHBOARD).await
}

fn consents_after(staff: &Staff, site: &Site, counts: &BTreeMap<String, u64>) -> Markup {
    html! {
        @if counts.is_empty() { "0" }
        @for (purpose, n) in counts {
            (site.config.purpose(purpose).map_or(purpose.as_str(), |p| p.label.get(staff.locale))) "\u{a0}: " (n) br;
        }
    }
}

/// The campaigns' figures as a table (the campaigns page and the dashboard).
pub fn table(staff: &Staff, site: &Site, list: &[Summary], caption: &str) -> Markup {
    let s = staff;
    html! {
        table.campaigns {
            caption { (caption) }
            thead { tr {
                th scope="col" { (s.t("Objet", "Subject")) }
                th scope="col" { (s.t("Créée le", "Created")) }
                th scope="col" { (s.t("Destinataires", "Queued")) }
                th scope="col" { (s.t("Envoyés", "Sent")) }
                th scope="col" { (s.t("Refusés (adresse)", "Bounced")) }
                th scope="col" { (s.t("Oppositions", "Objected")) }
                th scope="col" { (s.t("Consentements donnés depuis", "Consents given since")) }
                th scope="col" { (s.t("En attente", "Pending")) }
            } }
            tbody {
                @for r in list {
                    @let created = rfc3339(r.campaign.created_at);
                    tr {
                        th scope="row" { a href={ "/staff/campaigns/" (r.campaign.campaign_id) } { (r.campaign.subject_line) } br;
                            small { (audience_label(s, &r.campaign.audience)) } }
                        td { (created.get(..16).unwrap_or(&created).replace('T', " ")) }
                        td { (r.queued) } td { (r.sent) } td { (r.bounced) } td { (r.objected) }
                        td { (consents_after(s, site, &r.consents_after)) }
                        td { (r.pending) }
                    }
                }
                @if list.is_empty() { tr { td colspan="8" { (s.t("Aucune campagne.", "No campaign.")) } } }
            }
        }
    }
}

/// The dashboard's block: the last campaigns and their reports (nothing when the site has none).
pub fn dashboard_block(staff: &Staff, site: &Site, reports: &[Summary]) -> Markup {
    html! {
        @if !reports.is_empty() {
            h2 id="campaigns" { (staff.t("Dernières campagnes", "Last campaigns")) }
            (table(staff, site, reports, staff.t("Compte rendu des dernières campagnes", "Report of the last campaigns")))
            p { a href={ "/staff/campaigns?site=" (site.config.site()) } { (staff.t("Toutes les campagnes", "All campaigns")) } }
        }
    }
}

/// Why this site may not write to people who did not consent, in the account's language.
fn regime_note(staff: &Staff, site: &Site, audiences: &[Audience]) -> Markup {
    let regime = site.config.controller().regime;
    html! {
        p { (staff.t(regime.explain_fr(), regime.explain_en())) }
        @if !audiences.contains(&Audience::SoftOptIn) {
            div.notice role="note" {
                p { strong { (staff.t(
                    "Ce site ne peut pas envoyer de campagne à des personnes qui n'ont pas consenti, même pour leur demander leur consentement.",
                    "This site may not send a campaign to people who did not consent, not even to ask for their consent.")) } }
                p { (staff.t(
                    "Seules les personnes dont le consentement recueilli avant (formulaire papier, ancien site) est à reconfirmer peuvent recevoir un message, pour le reconfirmer.",
                    "Only people whose consent collected before (a paper form, an older site) is to reconfirm may get a message, to reconfirm it.")) }
            }
        }
    }
}

/// The compose form, filled with what was posted.
fn compose_form(staff: &Staff, site: &Site, audiences: &[Audience], form: &Compose, error: bool) -> Markup {
    let s = staff;
    let fields = field_names(site);
    html! {
        h2 id="compose" { (s.t("Nouvelle campagne", "New campaign")) }
        form method="post" action="/staff/campaigns" aria-labelledby="compose" {
            input type="hidden" name="csrf" value=(staff.csrf_token);
            input type="hidden" name="site" value=(site.config.site());
            p { label for="audience" { (s.t("Destinataires", "Recipients")) } br;
                select id="audience" name="audience" {
                    @for a in audiences { option value=(a.as_str()) selected[form.audience == a.as_str()] { (audience_label(s, a.as_str())) } }
                } }
            p { label for="subject" { (s.t("Objet", "Subject")) } br;
                input type="text" id="subject" name="subject" required maxlength=(MAX_SUBJECT) size="60" value=(form.subject)
                    aria-invalid=[error.then_some("true")] aria-describedby=[error.then_some("template-error")]; }
            p { label for="body" { (s.t("Message (Markdown)", "Message (Markdown)")) } br;
                textarea id="body" name="body" required rows="14" cols="72" maxlength=(MAX_BODY)
                    aria-invalid=[error.then_some("true")] aria-describedby={ "placeholders" @if error { " template-error" } } { (form.body) } }
            p id="placeholders" { (s.t("Champs possibles : ", "Placeholders: "))
                @for (i, f) in fields.iter().chain(std::iter::once(&crate::campaign::template::CONTROLLER.to_owned())).enumerate() {
                    @if i > 0 { ", " } code { "{{ " (f) " }}" }
                }
                ". " (s.t("Chaque message se termine par l'identité du responsable, la raison de l'envoi, le lien d'opposition en un clic et le lien personnel vers les choix.",
                         "Every message ends with the controller's identity, why it is sent, the one-click objection link and the personal link to the choices.")) }
            p { label for="rate" { (s.t("Cadence (messages par minute, N/min ; 0 : sans limite)", "Pace (N/min; 0: unthrottled)")) } br;
                input type="text" id="rate" name="rate" maxlength="12" size="10" value=(if form.rate.is_empty() { "60/min" } else { form.rate.as_str() }); }
            button type="submit" name="step" value="preview" { (s.t("Aperçu", "Preview")) }
            " "
            button type="submit" name="step" value="test" class="secondary" { (s.t("M'envoyer un essai", "Send me a test")) }
            " "
            button type="submit" name="step" value="confirm" class="secondary" { (s.t("Envoyer…", "Send…")) }
        }
    }
}

/// Who a campaign reaches (and who it leaves out), in one sentence.
fn reach(staff: &Staff, selection: &Selection) -> Markup {
    html! {
        (staff.t("Destinataires : ", "Recipients: ")) strong { (selection.recipients.len()) } (staff.t(" ; ", "; "))
        (staff.t("laissés de côté : ", "left out: ")) (selection.objected) (staff.t(" opposition(s), ", " objected, "))
        (selection.undeliverable) (staff.t(" adresse(s) refusée(s) définitivement.", " undeliverable address(es)."))
    }
}

fn outcome_view(staff: &Staff, form: &Compose, outcome: &Outcome) -> Markup {
    let s = staff;
    html! {
        @match outcome {
            Outcome::Template(e) => div id="template-error" role="alert" {
                p { strong { (s.t("Le modèle ne peut pas être utilisé ; rien n'a été envoyé.", "The template cannot be used; nothing was sent.")) } }
                p { (located(s, e)) " : " (e.message) } p { (e.hint) }
            },
            Outcome::Refused(refusal) => div role="alert" {
                p { strong { (s.t("Refusé : rien n'a été enregistré ni envoyé.", "Refused: nothing was recorded or sent.")) } }
                p { (refusal.to_string()) }
            },
            Outcome::Invalid(text) => div role="alert" { p { strong { (text) } } },
            Outcome::Preview { rendered, selection, test_sent } => section aria-labelledby="preview" {
                h2 id="preview" { (s.t("Aperçu", "Preview")) }
                @match test_sent {
                    Some(true) => p role="status" { strong { (s.t("Essai envoyé à ", "Test sent to ")) (staff.email) "." } " "
                        (s.t("Ses liens d'opposition et de choix ne sont pas actifs.", "Its objection and choices links do not act.")) },
                    Some(false) => div role="alert" { p { strong { (s.t("L'essai n'a pas pu partir : ce collecteur n'a ni --smtp ni --outbox, ou le serveur l'a refusé.",
                        "The test could not leave: this collector has neither --smtp nor --outbox, or the server refused it.")) } } },
                    None => {},
                }
                p { (reach(s, selection)) }
                @match rendered {
                    Some(r) => {
                        p { (s.t("Tel que le recevra le premier destinataire (les valeurs sont montrées comme du texte) :", "As the first recipient will get it (values are shown as text):")) }
                        dl { dt { (s.t("Objet", "Subject")) } dd { (r.subject) } }
                        // pulldown-cmark's HTML of the template, the recipient's values escaped in it and raw
                        // HTML turned into text (campaign::template): nothing of a name can become markup.
                        div.notice lang="fr" { (PreEscaped(&r.html)) }
                    }
                    None => p { (s.t("Personne à qui écrire pour l'instant.", "Nobody to write to for now.")) },
                }
            },
            Outcome::Confirm { selection } => section aria-labelledby="confirm" {
                h2 id="confirm" { (s.t("Confirmer l'envoi", "Confirm sending")) }
                p { (reach(s, selection)) }
                @if selection.recipients.is_empty() {
                    p { (s.t("Personne à qui écrire : rien ne sera envoyé.", "Nobody to write to: nothing will be sent.")) }
                } @else {
                    form method="post" action="/staff/campaigns" {
                        input type="hidden" name="csrf" value=(staff.csrf_token);
                        @for (name, value) in [("site", &form.site), ("audience", &form.audience), ("subject", &form.subject), ("body", &form.body), ("rate", &form.rate)] {
                            input type="hidden" name=(name) value=(value);
                        }
                        button type="submit" name="step" value="send" class="danger" {
                            (s.t("Envoyer à ", "Send to ")) (selection.recipients.len()) (s.t(" personnes", " people"))
                        }
                    }
                }
            },
        }
    }
}

fn page(
    staff: &Staff,
    site: &Site,
    list: &[Summary],
    form: &Compose,
    outcome: Option<&Outcome>,
    offer: bool,
) -> Markup {
    let s = staff;
    let audiences = allowed(site);
    let title = s.t("Campagnes", "Campaigns");
    let error = matches!(outcome, Some(Outcome::Template(_)));
    let body = html! {
        h1 { (title) " — " (site.config.site()) }
        (regime_note(s, site, &audiences))
        @if let Some(outcome) = outcome { (outcome_view(s, form, outcome)) }
        @if staff.role >= Role::Admin && offer && !audiences.is_empty() {
            (compose_form(s, site, &audiences, form, error))
        } @else if staff.role < Role::Admin {
            p { (s.t("Composer et envoyer une campagne est réservé aux administrateurs.", "Composing and sending a campaign is for administrators.")) }
        }
        h2 id="list" { (s.t("Campagnes envoyées", "Campaigns sent")) }
        (table(s, site, list, s.t("Campagnes, les 50 plus récentes d'abord", "Campaigns, the 50 newest first")))
    };
    layout::page(Some(staff), title, body)
}

/// Whether the compose form is offered: a soft opt-in audience, or (an association) consents from before to
/// reconfirm.
async fn offered(state: &AppState, site: &Site) -> Result<bool, StaffError> {
    let audiences = allowed(site);
    if audiences.contains(&Audience::SoftOptIn) {
        return Ok(true);
    }
    let id = site.config.site().as_str().to_owned();
    let legacy = state.read(move |l| audience::select(l, &id, Audience::Legacy)).await.map_err(store_error)?;
    Ok(!legacy.recipients.is_empty())
}

/// `GET /staff/campaigns`: the reports, and for admins the compose form.
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<CampaignsQuery>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Staff)?;
    staff_db(&state)?;
    let site = chosen_site(&staff, q.site.as_deref())?;
    let list = summaries_of(&state, site.config.site().as_str(), LISTED).await?;
    let offer = staff.role >= Role::Admin && offered(&state, &site).await?;
    Ok(page(&staff, &site, &list, &Compose::default(), None, offer))
}

/// `POST /staff/campaigns`: preview, test, confirm or send (admins).
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<Compose>,
) -> Result<Response, StaffError> {
    staff.require(Role::Admin)?;
    let site = staff.site(super::bounded(&form.site)?)?;
    let site_id = site.config.site().as_str().to_owned();
    let answer = |outcome: Outcome, list: Vec<Summary>, status: StatusCode| {
        (status, page(&staff, &site, &list, &form, Some(&outcome), true)).into_response()
    };
    let list = summaries_of(&state, &site_id, LISTED).await?;
    let Some(audience) = Audience::parse(&form.audience) else {
        let text = s_t(&staff, "Choisissez les destinataires.", "Choose the recipients.");
        return Ok(answer(Outcome::Invalid(text), list, StatusCode::UNPROCESSABLE_ENTITY));
    };
    if let Err(refusal) = audience::purposes(&site, audience) {
        audit::append(&state, &staff, "campaign.refused", json!({ "site": site_id, "audience": audience.as_str() }))
            .await?;
        return Ok(answer(Outcome::Refused(refusal), list, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if form.subject.trim().is_empty() || form.subject.chars().count() > MAX_SUBJECT {
        let text = s_t(&staff, "Donnez un objet (200 caractères au plus).", "Give a subject (200 characters at most).");
        return Ok(answer(Outcome::Invalid(text), list, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if form.body.chars().count() > MAX_BODY {
        let text =
            s_t(&staff, "Le message dépasse 20 000 caractères.", "The message is longer than 20,000 characters.");
        return Ok(answer(Outcome::Invalid(text), list, StatusCode::UNPROCESSABLE_ENTITY));
    }
    let rate = match parse_rate(if form.rate.trim().is_empty() { "60/min" } else { &form.rate }) {
        Ok(rate) => rate,
        Err(text) => return Ok(answer(Outcome::Invalid(text), list, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    let source = source_of(&form);
    let template = match Template::parse(&source, &field_names(&site)) {
        Ok(template) => template,
        Err(e) => return Ok(answer(Outcome::Template(e), list, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match form.step.as_str() {
        "send" => {
            let campaign = match start(&state, &staff, &site, audience, &source, &template, rate).await? {
                Started::New(row, selection) => (row, selection),
                // A second click on « Envoyer », or the form posted again: the campaign it already made.
                Started::Repeated(id) => return Ok(Redirect::to(&format!("/staff/campaigns/{id}")).into_response()),
            };
            audit::append(
                &state,
                &staff,
                "campaign.send",
                json!({ "site": site_id, "campaign": campaign.0.campaign_id, "audience": audience.as_str(),
                        "queued": campaign.1.recipients.len(), "objected": campaign.1.objected,
                        "undeliverable": campaign.1.undeliverable, "template_sha256": campaign.0.template_sha256 }),
            )
            .await?;
            Ok(Redirect::to(&format!("/staff/campaigns/{}", campaign.0.campaign_id)).into_response())
        }
        "confirm" => {
            let (selection, _) = preview_of(&state, &site_id, audience).await?;
            Ok(answer(Outcome::Confirm { selection }, list, StatusCode::OK))
        }
        step => {
            let (selection, addressee) = preview_of(&state, &site_id, audience).await?;
            let rendered = addressee.as_ref().map(|a| template.render(&values(&site, a)));
            let test_sent = if step == "test" {
                // With nobody to write to yet, the test shows the text with empty placeholders.
                let empty = audience::Addressee { email: String::new(), fields: BTreeMap::new(), legacy: Vec::new() };
                let shown = addressee.as_ref().unwrap_or(&empty);
                let sent =
                    send_test(&state, &staff, &site, audience, &template.render(&values(&site, shown)), shown).await;
                audit::append(
                    &state,
                    &staff,
                    "campaign.test",
                    json!({ "site": site_id, "audience": audience.as_str(), "sent": sent }),
                )
                .await?;
                Some(sent)
            } else {
                audit::append(
                    &state,
                    &staff,
                    "campaign.preview",
                    json!({ "site": site_id, "audience": audience.as_str() }),
                )
                .await?;
                None
            };
            Ok(answer(Outcome::Preview { rendered, selection, test_sent }, list, StatusCode::OK))
        }
    }
}

fn s_t(staff: &Staff, fr: &str, en: &str) -> String {
    staff.t(fr, en).to_owned()
}

async fn preview_of(
    state: &AppState,
    site: &str,
    audience: Audience,
) -> Result<(Selection, Option<audience::Addressee>), StaffError> {
    let site = site.to_owned();
    state.read(move |l| first_addressee(l, &site, audience)).await.map_err(store_error)
}

/// Sends the previewed message to the signed-in account's own address — never to another — marked as a test,
/// its links naming no queued recipient (they open an "invalid link" page).
async fn send_test(
    state: &AppState,
    staff: &Staff,
    site: &Site,
    audience: Audience,
    rendered: &Rendered,
    addressee: &audience::Addressee,
) -> bool {
    let Some((transport, _)) = state.staff_db.as_ref().and_then(|db| db.mailer()) else { return false };
    if !transport.is_configured() {
        return false;
    }
    let site_id = site.config.site().as_str();
    let Ok(transport) = transport.for_site(site_id, site.config.collector().smtp.as_deref()) else { return false };
    let now = state.now();
    let objection_url = token::url(&state.settings.public_url, &token::sign(&state.key, 0, "test", site_id, now));
    let manage = links::sign(&state.key, LinkKind::Manage, site_id, "test", now, 1);
    let manage_url = links::url(&state.settings.public_url, LinkKind::Manage, &manage);
    let mut rendered = rendered.clone();
    rendered.subject = format!("[Essai / Test] {}", rendered.subject);
    let from = site.mail_from(None);
    let letter = Letter {
        site,
        audience,
        from: &from,
        to: &staff.email,
        rendered: &rendered,
        objection_url: &objection_url,
        manage_url: &manage_url,
        legacy: &addressee.legacy,
    };
    let Ok(message) = compose(&letter) else { return false };
    match transport.send_message(&staff.email, &from, "campaign-test", &message).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "campaign test message not sent");
            false
        }
    }
}

/// What a send did.
enum Started {
    /// Recorded this campaign and its recipients, and started sending.
    New(CampaignRow, Selection),
    /// The same message to the same audience was sent from this site within the hour: that campaign's id.
    Repeated(String),
}

/// Serialises the console's sends in this process, so that two clicks cannot both miss each other's campaign.
fn creating() -> &'static tokio::sync::Mutex<()> {
    static CREATING: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    CREATING.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// Records the campaign and its recipients (one transaction), then sends it from a thread of this process —
/// unless the same template went to the same audience within the hour (a double click must not write to
/// everyone twice).
async fn start(
    state: &AppState,
    staff: &Staff,
    site: &Arc<Site>,
    audience: Audience,
    source: &str,
    template: &Template,
    rate: i64,
) -> Result<Started, StaffError> {
    let _one_at_a_time = creating().lock().await;
    let (site_id, sha256, since) =
        (site.config.site().as_str().to_owned(), sha256_hex(source.as_bytes()), state.now() - REPEAT_WINDOW_MS);
    let repeated = state
        .read(move |l| {
            Ok(store::campaigns_of_site(l.store(), &site_id)?
                .into_iter()
                .find(|c| c.template_sha256 == sha256 && c.audience == audience.as_str() && c.created_at >= since))
        })
        .await
        .map_err(store_error)?;
    if let Some(campaign) = repeated {
        return Ok(Started::Repeated(campaign.campaign_id));
    }
    let sender = SenderParts::of(state, site)?;
    let place = sender.place.clone();
    let (reply, created) = tokio::sync::oneshot::channel();
    let (site, source, subject_line, by) =
        (site.clone(), source.to_owned(), template.subject_source(), staff.email.clone());
    let now = state.now();
    std::thread::Builder::new()
        .name("campaign-create".into())
        .spawn(move || {
            let mut ledger = match open_ledger(&place) {
                Ok(ledger) => ledger,
                Err(e) => {
                    let _ = reply.send(Err(LedgerError::Store(e)));
                    return;
                }
            };
            let new = NewCampaign {
                site: &site,
                audience,
                template: &source,
                subject_line,
                rate_per_minute: rate,
                created_by: &by,
            };
            match create(&mut ledger, &new, now) {
                Ok((campaign, selection)) => {
                    let _ = reply.send(Ok((campaign.clone(), selection)));
                    sender.run(ledger, site, &campaign, None);
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            }
        })
        .map_err(store_error)?;
    let (row, selection) = created.await.map_err(store_error)?.map_err(store_error)?;
    Ok(Started::New(row, selection))
}

/// What a sending thread needs from the collector.
struct SenderParts {
    key: consent::signature::CollectorKey,
    transport: crate::mail::MailTransport,
    public_url: String,
    place: StaffPlace,
    runtime: &'static tokio::runtime::Runtime,
}

impl SenderParts {
    fn of(state: &AppState, site: &Site) -> Result<SenderParts, StaffError> {
        let db = staff_db(state)?;
        let no_mail = || {
            StaffError::invalid(
                "Ce collecteur n'a ni --smtp ni --outbox : les messages ne peuvent pas partir. Rien n'a été enregistré.",
                "This collector has neither --smtp nor --outbox: messages cannot leave. Nothing was recorded.",
            )
        };
        let (transport, _) = db.mailer().ok_or_else(no_mail)?;
        if !transport.is_configured() {
            return Err(no_mail());
        }
        let runtime = runtime()?;
        let transport = {
            // A site's own relay gets a connection pool, which starts a task on the runtime it is built in.
            let _inside = runtime.enter();
            transport
                .for_site(site.config.site().as_str(), site.config.collector().smtp.as_deref())
                .map_err(store_error)?
        };
        Ok(SenderParts {
            key: state.key.clone(),
            transport,
            public_url: state.settings.public_url.trim_end_matches('/').to_owned(),
            place: db.place().clone(),
            runtime,
        })
    }

    /// Drains the campaign's queue on this (plain) thread; the outcome goes to the log, the report to its page.
    fn run(self, mut ledger: Ledger, site: Arc<Site>, campaign: &CampaignRow, rate_per_minute: Option<i64>) {
        let id = campaign.campaign_id.clone();
        if let Ok(mut running) = sending().lock()
            && !running.insert(id.clone())
        {
            return;
        }
        let from = site.mail_from(None);
        let mut sender = Sender {
            ledger: &mut ledger,
            site,
            key: self.key,
            public_url: self.public_url,
            from,
            transport: self.transport,
            runtime: self.runtime,
            parallel: PARALLEL,
            lease_ms: DEFAULT_LEASE_MS,
            rate_per_minute,
            stop: Arc::new(AtomicBool::new(false)),
            progress: false,
        };
        match sender.run(campaign) {
            Ok(s) => tracing::info!(campaign = %id, sent = s.sent, bounced = s.bounced, skipped = s.skipped,
                failed = s.failed, uncertain = s.uncertain, "campaign sent from the console"),
            Err(e) => tracing::error!(campaign = %id, error = %e, "campaign sending stopped"),
        }
        if let Ok(mut running) = sending().lock() {
            running.remove(&id);
        }
    }
}

/// The campaign `id` if it belongs to a site this account sees (else 404).
async fn campaign_of(state: &AppState, staff: &Staff, id: &str) -> Result<(CampaignRow, Arc<Site>), StaffError> {
    let wanted = super::bounded(id)?.to_owned();
    let campaign = state
        .read(move |l| Ok(store::campaign(l.store(), &wanted)?))
        .await
        .map_err(store_error)?
        .ok_or(StaffError::NotFound)?;
    let site = staff.site(&campaign.site)?;
    Ok((campaign, site))
}

/// `GET /staff/campaigns/{id}`: one campaign's report (staff and admins of its site).
pub async fn show(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Result<Markup, StaffError> {
    staff.require(Role::Staff)?;
    let (campaign, site) = campaign_of(&state, &staff, &id).await?;
    let now = state.now();
    let row = campaign.clone();
    let r = state.read(move |l| report::of(l, &row, now)).await.map_err(store_error)?;
    let s = &staff;
    let running = is_sending(&campaign.campaign_id);
    let title = s.t("Campagne", "Campaign");
    let skipped: u64 = r.skipped.values().sum();
    let body = html! {
        h1 { (title) " — " (r.subject) }
        p { a href={ "/staff/campaigns?site=" (site.config.site()) } { (s.t("Toutes les campagnes", "All campaigns")) } }
        @if running { p role="status" { (s.t("Envoi en cours : rechargez la page pour suivre le compte rendu.", "Sending: reload the page to follow the report.")) } }
        table {
            caption { (s.t("Compte rendu", "Report")) }
            tbody {
                tr { th scope="row" { (s.t("Destinataires", "Recipients")) } td { (audience_label(s, &r.audience)) } }
                tr { th scope="row" { (s.t("Créée le", "Created")) } td { (r.created_at) " (" (campaign.created_by) ")" } }
                tr { th scope="row" { (s.t("En file", "Queued")) } td { (r.queued) } }
                tr { th scope="row" { (s.t("Envoyés", "Sent")) } td { (r.sent) } }
                tr { th scope="row" { (s.t("Refusés définitivement (adresse)", "Bounced")) } td { (r.bounced) } }
                tr { th scope="row" { (s.t("Non envoyés (opposition, effacement depuis)", "Skipped (objected, erased since)")) } td { (skipped) } }
                tr { th scope="row" { (s.t("Abandonnés après plusieurs essais", "Failed after retries")) } td { (r.failed) } }
                tr { th scope="row" { (s.t("En attente", "Pending")) } td { (r.pending + r.sending) } }
                tr { th scope="row" { (s.t("Interrompus, peut-être reçus, jamais renvoyés", "Interrupted, maybe delivered, never resent")) } td { (r.uncertain) } }
                tr { th scope="row" { (s.t("Oppositions", "Objected")) } td { (r.objected) } }
                tr { th scope="row" { (s.t("Consentements donnés depuis", "Consents given since")) } td { (consents_after(s, &site, &r.consents_after)) } }
            }
        }
        @if staff.role >= Role::Admin && !running && r.pending > 0 {
            form method="post" action={ "/staff/campaigns/" (campaign.campaign_id) } {
                input type="hidden" name="csrf" value=(staff.csrf_token);
                p { (s.t("L'envoi s'est arrêté (redémarrage du collecteur) : les personnes déjà écrites ne le seront pas une seconde fois.",
                         "Sending stopped (the collector restarted): people already written to will not be written to again.")) }
                p { label for="rate" { (s.t("Cadence (N/min ; vide : celle de la campagne ; 0 : sans limite)", "Pace (N/min; empty: the campaign's; 0: unthrottled)")) } br;
                    input type="text" id="rate" name="rate" maxlength="12" size="10"; }
                button type="submit" { (s.t("Reprendre l'envoi", "Resume sending")) }
            }
        }
        h2 { (s.t("Modèle", "Template")) }
        pre { (campaign.template) }
        p { "SHA-256 " code { (campaign.template_sha256) } " · " (rfc3339(campaign.created_at)) }
    };
    Ok(layout::page(Some(&staff), title, body))
}

/// `POST /staff/campaigns/{id}`: resumes a campaign whose sending stopped (admins).
pub async fn resume(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<Resume>,
) -> Result<Response, StaffError> {
    staff.require(Role::Admin)?;
    let (campaign, site) = campaign_of(&state, &staff, &id).await?;
    let rate = match super::bounded(&form.rate)? {
        "" => None,
        text => Some(parse_rate(text).map_err(|e| StaffError::invalid(e.clone(), e))?),
    };
    let audience = Audience::parse(&campaign.audience).unwrap_or(Audience::SoftOptIn);
    audience::purposes(&site, audience).map_err(|r| StaffError::invalid(r.to_string(), r.to_string()))?;
    if !is_sending(&campaign.campaign_id) {
        let sender = SenderParts::of(&state, &site)?;
        let (row, place) = (campaign.clone(), sender.place.clone());
        std::thread::Builder::new()
            .name("campaign-resume".into())
            .spawn(move || match open_ledger(&place) {
                Ok(ledger) => sender.run(ledger, site, &row, rate),
                Err(e) => tracing::error!(error = %e, "campaign resume: no ledger connection"),
            })
            .map_err(store_error)?;
        audit::append(&state, &staff, "campaign.resume", json!({ "campaign": campaign.campaign_id, "rate": rate }))
            .await?;
    }
    Ok(Redirect::to(&format!("/staff/campaigns/{}", campaign.campaign_id)).into_response())
}
