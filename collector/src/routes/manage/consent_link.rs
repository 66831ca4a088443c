//! The manage page of people who did not come through the widget: a graduate the school imported sees the site's
//! consent purposes as unticked boxes (the personal link to give consent, issue 14.3), each consent from before
//! as « à reconfirmer » with a button to reconfirm or decline it (issue 14.2), and the soft opt-in purposes they
//! receive unless they object. The bearer link is the authority (no cookie); the POSTs are refused from another
//! site (`Sec-Fetch-Site` / `Origin`). How a consent given here enters the ledger: [`crate::ledger::link_consent`].

use super::{Opened, back, ledger_error_page, opened_file, render, short};
use crate::keys::sortable_id;
use crate::ledger::link_consent::{LinkConsent, Shown, ShownPurpose};
use crate::ledger::{Event, EventKind, SubjectFile};
use crate::routes::pages::error_page;
use crate::sites::Site;
use crate::state::AppState;
use crate::storage::RecordStatus;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use consent::protocol::ProblemType;
use consent::{LegalBasis, Locale};
use maud::{Markup, html};
use serde_json::Value;

struct Words {
    give_title: &'static str,
    give_intro: &'static str,
    give: &'static str,
    notice_link: &'static str,
    legacy_title: &'static str,
    legacy_intro: &'static str,
    legacy_status: &'static str,
    evidence: &'static str,
    reconfirm: &'static str,
    decline: &'static str,
    soft_title: &'static str,
    soft_line: &'static str,
    soft_object: &'static str,
    done_given: &'static str,
    done_nothing: &'static str,
    done_declined: &'static str,
}

const FR: Words = Words {
    give_title: "Donner votre consentement",
    give_intro: "L'école vous a inscrit(e) à partir de sa liste de diplômés. Vous n'avez encore rien accepté\u{a0}: \
                 cochez ce que vous acceptez, rien n'est coché d'avance. Ne rien cocher n'enregistre rien.",
    give: "Enregistrer mon consentement",
    notice_link: "Lire la notice d'information complète (version",
    legacy_title: "Consentements antérieurs à reconfirmer",
    legacy_intro: "Vous aviez donné ces consentements avant la mise en place de ce service. Ils ne sont pas utilisés \
                   tant que vous ne les avez pas reconfirmés.",
    legacy_status: "à reconfirmer",
    evidence: "Recueilli\u{a0}:",
    reconfirm: "Je reconfirme",
    decline: "Je refuse",
    soft_title: "Ce que vous recevez sauf opposition",
    soft_line: "Vous recevez les messages de l'école pour\u{a0}: ",
    soft_object: "Vous pouvez vous y opposer à tout moment, gratuitement\u{a0}: chaque message contient un lien \
                  d'opposition en un clic.",
    done_given: "Votre consentement est enregistré.",
    done_nothing: "Vous n'avez coché aucune case\u{a0}: rien n'a été enregistré.",
    done_declined: "Votre refus est enregistré\u{a0}: ce consentement antérieur ne sera pas utilisé.",
};

const EN: Words = Words {
    give_title: "Give your consent",
    give_intro: "The school registered you from its graduates list. You have not agreed to anything yet: tick what \
                 you agree to, nothing is ticked in advance. Ticking nothing records nothing.",
    give: "Save my consent",
    notice_link: "Read the full privacy notice (version",
    legacy_title: "Consents from before, to reconfirm",
    legacy_intro: "You gave these consents before this service existed. They are not used until you reconfirm them.",
    legacy_status: "to reconfirm",
    evidence: "Collected:",
    reconfirm: "I reconfirm",
    decline: "I decline",
    soft_title: "What you receive unless you object",
    soft_line: "You receive the school's messages for: ",
    soft_object: "You may object at any time, free of charge: every message carries a one-click objection link.",
    done_given: "Your consent is saved.",
    done_nothing: "You ticked no box: nothing was recorded.",
    done_declined: "Your refusal is saved: this consent from before will not be used.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

/// The message after one of this module's actions (`?done=`).
pub(super) fn flash(done: &str, locale: Locale) -> Option<&'static str> {
    let w = words(locale);
    match done {
        "given" => Some(w.done_given),
        "nothing" => Some(w.done_nothing),
        "declined" => Some(w.done_declined),
        _ => None,
    }
}

/// How a record that no widget form made came, for the page's history: the school's list, the personal link.
pub(super) fn channel(cta: &str, locale: Locale) -> &str {
    match (cta, locale) {
        (crate::ledger::import::IMPORT_CTA, Locale::Fr) => "Liste des diplômés de l'école",
        (crate::ledger::import::IMPORT_CTA, Locale::En) => "The school's graduates list",
        (crate::ledger::link_consent::LINK_CTA, Locale::Fr) => "Votre lien personnel",
        (crate::ledger::link_consent::LINK_CTA, Locale::En) => "Your personal link",
        _ => cta,
    }
}

fn imported(file: &SubjectFile) -> bool {
    file.records.iter().any(|r| r.status == RecordStatus::Imported)
}

/// Whether the subject only holds records that gave no consent (imported, nothing confirmed): the consent form
/// replaces the manage page's choices, which would change answers they never gave.
pub(super) fn replaces_choices(file: &SubjectFile) -> bool {
    imported(file) && file.records.iter().all(|r| r.confirmed_at.is_none())
}

fn statement(site: &Site, locale: Locale, form: &str, purposes: Vec<ShownPurpose>) -> Shown {
    let version = site.notice.version().as_str();
    Shown {
        form: form.to_owned(),
        notice_version: version.to_owned(),
        locale: locale.tag().to_owned(),
        controller: site.config.controller().name.clone(),
        first_layer: site.notice.first_layer(locale).to_owned(),
        notice_url: format!("/v1/notices/{version}"),
        purposes,
    }
}

fn shown_purpose(site: &Site, id: &str, locale: Locale, evidence: Option<String>) -> ShownPurpose {
    let spec = site.widget.purpose(id);
    ShownPurpose {
        id: id.to_owned(),
        label: spec.map_or(id, |p| p.label.get(locale)).to_owned(),
        description: spec.and_then(|p| p.description.as_ref()).map(|d| d.get(locale).to_owned()),
        evidence,
    }
}

/// The consents from before still to reconfirm, each with its evidence.
fn legacy_pending(site: &Site, file: &SubjectFile, locale: Locale) -> Vec<ShownPurpose> {
    let events: Vec<Event> = file.events.iter().filter_map(|e| serde_json::from_str(&e.body).ok()).collect();
    let mut pending: Vec<ShownPurpose> = Vec::new();
    for record in file.records.iter().filter(|r| r.status == RecordStatus::Imported) {
        for (purpose, _) in record.choices.iter().filter(|(_, given)| **given) {
            if file.consents.iter().any(|c| c.purpose == *purpose) || pending.iter().any(|p| p.id == *purpose) {
                continue;
            }
            let evidence = events
                .iter()
                .find(|e| {
                    e.kind == EventKind::Legacy
                        && e.record_id.as_deref() == Some(record.record_id.as_str())
                        && e.detail.get("purpose").and_then(Value::as_str) == Some(purpose.as_str())
                })
                .and_then(|e| e.detail.get("evidence").and_then(Value::as_str))
                .unwrap_or_default();
            pending.push(shown_purpose(site, purpose, locale, Some(evidence.to_owned())));
        }
    }
    pending
}

/// What the consent form offers: every consent purpose the person has not answered and that is not a consent
/// from before (those have their own buttons); `None` where the form is not shown.
fn consent_statement(site: &Site, file: &SubjectFile, locale: Locale) -> Option<Shown> {
    if !replaces_choices(file) || file.subject.anonymised_at.is_some() {
        return None;
    }
    let legacy = legacy_pending(site, file, locale);
    let purposes: Vec<ShownPurpose> = site
        .widget
        .purposes
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| !file.consents.iter().any(|c| c.purpose == *id) && !legacy.iter().any(|l| l.id == *id))
        .map(|id| shown_purpose(site, id, locale, None))
        .collect();
    (!purposes.is_empty()).then(|| statement(site, locale, "consent", purposes))
}

/// The statement of one consent from before, as its reconfirmation form shows it.
fn reconfirm_statement(site: &Site, file: &SubjectFile, locale: Locale, purpose: &str) -> Option<Shown> {
    if file.subject.anonymised_at.is_some() {
        return None;
    }
    let legacy = legacy_pending(site, file, locale).into_iter().find(|p| p.id == purpose)?;
    Some(statement(site, locale, "reconfirm", vec![legacy]))
}

fn notice_link(shown: &Shown, locale: Locale) -> Markup {
    html! {
        p.muted { (shown.first_layer) }
        p { a href=(shown.notice_url) { (words(locale).notice_link) " " (short(&shown.notice_version)) ")" } }
    }
}

fn hidden(shown: &Shown) -> Markup {
    html! {
        input type="hidden" name="notice_version" value=(shown.notice_version);
        input type="hidden" name="shown_sha256" value=(shown.sha256().unwrap_or_default());
    }
}

/// The unticked boxes, or `None` where the manage page's own choices apply.
pub(super) fn consent_form(site: &Site, token: &str, file: &SubjectFile, locale: Locale) -> Option<Markup> {
    let shown = consent_statement(site, file, locale)?;
    let w = words(locale);
    Some(html! {
        h2 id="consent" { (w.give_title) }
        p { (w.give_intro) }
        form method="post" action={ "/manage/" (token) "/consent" } {
            fieldset {
                legend { (w.give_title) }
                @for p in &shown.purposes {
                    label {
                        input type="checkbox" name="purpose" value=(p.id) id={ "c-" (p.id) };
                        (p.label)
                    }
                    @if let Some(description) = &p.description { p.muted { (description) } }
                }
            }
            (notice_link(&shown, locale))
            (hidden(&shown))
            button type="submit" { (w.give) }
        }
    })
}

/// The consents from before to reconfirm, and the soft opt-in purposes with the way to object.
pub(super) fn sections(site: &Site, token: &str, file: &SubjectFile, locale: Locale) -> Markup {
    if !imported(file) || file.subject.anonymised_at.is_some() {
        return html! {};
    }
    let w = words(locale);
    let legacy = legacy_pending(site, file, locale);
    let soft: Vec<&str> = site
        .config
        .purposes()
        .iter()
        .filter(|p| p.basis == LegalBasis::SoftOptIn)
        .map(|p| p.label.get(locale))
        .collect();
    html! {
        @if !legacy.is_empty() {
            h2 id="legacy" { (w.legacy_title) }
            p { (w.legacy_intro) }
            @for p in &legacy {
                @let shown = statement(site, locale, "reconfirm", vec![p.clone()]);
                form method="post" action={ "/manage/" (token) "/legacy" } {
                    p { strong { (p.label) } " — " em { (w.legacy_status) } }
                    @if let Some(evidence) = &p.evidence { p.muted { (w.evidence) " " (evidence) } }
                    (notice_link(&shown, locale))
                    input type="hidden" name="purpose" value=(p.id);
                    (hidden(&shown))
                    button type="submit" name="answer" value="yes" { (w.reconfirm) }
                    " "
                    button type="submit" name="answer" value="no" class="secondary" { (w.decline) }
                }
            }
        }
        @if !soft.is_empty() {
            h2 id="soft-opt-in" { (w.soft_title) }
            ul { @for label in &soft { li { (w.soft_line) (label) } } }
            // CAMPAIGNS: once the RFC 8058 objection route (`/objection/{token}`, event `objected`) lands, put its
            // button here; until then every campaign message carries it.
            p { (w.soft_object) }
        }
    }
}

/// The posted form, exactly as received, and its fields.
struct Posted {
    text: String,
    fields: Vec<(String, String)>,
}

impl Posted {
    fn read(body: &Bytes) -> Option<Posted> {
        let text = std::str::from_utf8(body).ok()?.to_owned();
        let fields = form_urlencoded::parse(text.as_bytes()).into_owned().collect();
        Some(Posted { text, fields })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// Everything a POST here checks before acting: provenance, the link, the body, and the statement it answers.
struct Checked {
    opened: Opened,
    locale: Locale,
    posted: Posted,
    shown: Shown,
}

async fn check(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
    body: &Bytes,
    statement_of: impl FnOnce(&Site, &SubjectFile, Locale, &Posted) -> Option<Shown>,
) -> Result<Checked, Response> {
    // The link is a bearer authority: a form posted from another site must not act with it.
    if !crate::staff::csrf::same_origin(state, headers) {
        return Err(error_page(ProblemType::OriginNotAllowed, Locale::Fr));
    }
    let (opened, file) = opened_file(state, token).await?;
    let posted = Posted::read(body).ok_or_else(|| error_page(ProblemType::Malformed, Locale::Fr))?;
    let locale = file.records.last().map_or(opened.site.config.default_locale(), |r| r.locale);
    // Nothing to answer any more (already given, declined, or the data are gone): a replayed form.
    let shown = statement_of(&opened.site, &file, locale, &posted)
        .ok_or_else(|| error_page(ProblemType::ChallengeReused, locale))?;
    if posted.get("shown_sha256") != Some(shown.sha256().unwrap_or_default().as_str()) {
        // The notice (or what the page offers) changed since it was shown: nothing is recorded, the page is shown
        // again as it stands now.
        let page = render(&opened.site, token, &file, locale, Some("stale"), None);
        return Err((StatusCode::CONFLICT, page).into_response());
    }
    Ok(Checked { opened, locale, posted, shown })
}

async fn record(state: &AppState, token: &str, checked: Checked, ticked: &[&str]) -> Response {
    let Checked { opened, locale, posted, shown } = checked;
    let choices = shown.choices(ticked);
    if !choices.values().any(|&g| g) {
        return back(token, "nothing");
    }
    let now = state.now();
    let given = LinkConsent {
        from_record: opened.claims.record_id.clone(),
        record_id: sortable_id(now),
        shown,
        posted: posted.text,
        choices,
        locale,
    };
    match state.writer.run(move |l| l.consent_by_link(given, now)).await {
        Ok(_) => back(token, "given"),
        Err(e) => ledger_error_page(&e),
    }
}

/// `POST /manage/{token}/consent` with `purpose=…` for each ticked box, the `notice_version` and the
/// `shown_sha256` of the statement the page showed. Ticking nothing records nothing.
pub async fn give(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let checked =
        match check(&state, &token, &headers, &body, |site, file, locale, _| consent_statement(site, file, locale))
            .await
        {
            Ok(checked) => checked,
            Err(page) => return page,
        };
    let ticked: Vec<String> = checked.posted.all("purpose").into_iter().map(str::to_owned).collect();
    let ticked: Vec<&str> = ticked.iter().map(String::as_str).collect();
    record(&state, &token, checked, &ticked).await
}

/// `POST /manage/{token}/legacy` with the `purpose` of a consent from before, `answer=yes` (reconfirmed: an
/// ordinary confirmed consent from now on, as through the consent form) or `answer=no` (declined: the answer
/// `false` is recorded), and the statement's `shown_sha256`.
pub async fn legacy(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let checked = match check(&state, &token, &headers, &body, |site, file, locale, posted| {
        reconfirm_statement(site, file, locale, posted.get("purpose")?)
    })
    .await
    {
        Ok(checked) => checked,
        Err(page) => return page,
    };
    let purpose = checked.shown.purposes.first().map(|p| p.id.clone()).unwrap_or_default();
    match checked.posted.get("answer") {
        Some("yes") => record(&state, &token, checked, &[purpose.as_str()]).await,
        Some("no") => {
            let now = state.now();
            let (id, version) = (checked.opened.claims.record_id.clone(), checked.shown.notice_version.clone());
            match state.writer.run(move |l| l.decline_legacy(&id, &purpose, &version, now)).await {
                Ok(()) => back(&token, "declined"),
                Err(e) => ledger_error_page(&e),
            }
        }
        _ => error_page(ProblemType::Malformed, checked.locale),
    }
}
