//! Everything held about one subject, as they receive it (GDPR art. 15 access, art. 20 portability): the JSON
//! document of the manage page's download, which the staff console also sends by email as an attachment, and
//! the readable summary that goes in that email's body.

use crate::clock::rfc3339;
use crate::ledger::{Event, SubjectFile, held_fields};
use crate::sites::Site;
use consent::Locale;
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The attachment's (and the download's) file name.
pub const FILE_NAME: &str = "mes-donnees.json";

/// The subject's ledger events (the store selects them by subject id: no other subject's event is here), each
/// with what it says about them: kind, time, record, notice version, choices, and the hashes that tie it to the
/// chain. The `prev_hash` is left out: it is the hash of an event that may be someone else's. Each event is
/// credited to the notice version it names (a submission's, a change made on the manage page), else to its
/// record's ([`Event::notice_version_or`]).
fn events_json(file: &SubjectFile, public_url: &str) -> Vec<Value> {
    let notice_of: BTreeMap<&str, &str> =
        file.records.iter().map(|r| (r.record_id.as_str(), r.notice_version.as_str())).collect();
    file.events
        .iter()
        .filter_map(|stored| serde_json::from_str::<Event>(&stored.body).ok().map(|e| (e, stored.hash.as_str())))
        .filter(|(e, _)| e.subject_id == file.subject.subject_id)
        .map(|(e, hash)| {
            let notice_version = e.notice_version_or(e.record_id.as_deref().and_then(|r| notice_of.get(r).copied()));
            json!({
                "seq": e.seq,
                "kind": e.kind.as_str(),
                "at": e.at,
                "record_id": e.record_id,
                "notice_version": notice_version,
                "notice_url": notice_version.map(|v| format!("{public_url}/v1/notices/{v}")),
                "choices": e.detail.get("choices"),
                "detail": e.detail,
                "payload_sha256": e.payload_sha256,
                "data_sha256": e.data_sha256,
                "hash": hash,
            })
        })
        .collect()
}

/// The document: controller, the address held, the current answer per purpose, every record with its signed
/// submission and the data held now, and the subject's ledger events.
pub fn document(file: &SubjectFile, site: &Site, public_url: &str, now: i64) -> Value {
    let data: BTreeMap<&str, &str> = file.data.iter().map(|d| (d.record_id.as_str(), d.data.as_str())).collect();
    let records: Vec<Value> = file
        .records
        .iter()
        .map(|r| {
            let submission = data.get(r.record_id.as_str()).and_then(|d| serde_json::from_str::<Value>(d).ok());
            let payload = submission
                .as_ref()
                .and_then(|s| s.get("payload").and_then(|p| p.as_str()))
                .and_then(|p| serde_json::from_str::<Value>(p).ok());
            json!({
                "record_id": r.record_id,
                "status": r.status.as_str(),
                "cta": r.cta,
                "choices": r.choices,
                "notice_version": r.notice_version,
                "notice_url": format!("{public_url}/v1/notices/{}", r.notice_version),
                "locale": r.locale.tag(),
                "submitted_at": rfc3339(r.created_at),
                "confirmed_at": r.confirmed_at.map(rfc3339),
                "updated_at": rfc3339(r.updated_at),
                "fields": data.get(r.record_id.as_str()).and_then(|d| held_fields(d)),
                "submission": payload,
                "signed_submission": submission,
            })
        })
        .collect();
    let consents: Vec<Value> = file
        .consents
        .iter()
        .map(|c| json!({"purpose": c.purpose, "granted": c.granted, "record_id": c.record_id, "updated_at": rfc3339(c.updated_at)}))
        .collect();
    json!({
        "controller": site.config.controller().name,
        "site": site.config.site().as_str(),
        "generated_at": rfc3339(now),
        "email": file.subject.email,
        "subject_id": file.subject.subject_id,
        "consents": consents,
        "records": records,
        "events": events_json(file, public_url),
    })
}

/// The readable summary in one language: the data held now, the answer per purpose (with what it covers, who
/// receives it and for how long), the records and how many ledger events the attachment lists.
fn summary_in(file: &SubjectFile, site: &Site, locale: Locale) -> Markup {
    let fr = locale == Locale::Fr;
    let t = |f: &'static str, e: &'static str| if fr { f } else { e };
    let zone = site.config.time_zone();
    let fields = file.data.last().and_then(|d| held_fields(&d.data)).unwrap_or_default();
    let field_label = |id: &str| {
        site.config
            .fields()
            .iter()
            .find(|f| f.id.as_str() == id)
            .map_or(id.to_owned(), |f| f.label.get(locale).to_owned())
    };
    html! {
        h2 { (t("Les données que nous détenons", "The data we hold")) }
        ul {
            @if let Some(email) = &file.subject.email { li { (t("Adresse électronique", "Email address")) "\u{a0}: " (email) } }
            @for (id, value) in &fields { @if id != "email" { li { (field_label(id)) "\u{a0}: " (value) } } }
        }
        h2 { (t("Vos choix", "Your choices")) }
        ul { @for consent in &file.consents {
            @let purpose = site.config.purpose(&consent.purpose);
            li {
                strong { (purpose.map_or(consent.purpose.clone(), |p| p.label.get(locale).to_owned())) }
                "\u{a0}: " (if consent.granted { t("accepté", "accepted") } else { t("refusé", "refused") })
                " (" (t("depuis le ", "since ")) (zone.date_time(consent.updated_at, locale)) ")"
                @if let Some(p) = purpose {
                    br; (t("Données : ", "Data: ")) (p.data.iter().map(|d| d.label(locale)).collect::<Vec<_>>().join(", "))
                    " · " (t("Destinataires : ", "Recipients: ")) (p.recipients.iter().map(|r| r.label(locale)).collect::<Vec<_>>().join(", "))
                }
            }
        } }
        h2 { (t("Vos demandes", "Your requests")) }
        ul { @for r in &file.records {
            li { (zone.date_time(r.created_at, locale)) " — " (r.cta) " — " (r.status.as_str())
                 " — " (t("version de la notice ", "notice version ")) code { (r.notice_version.get(..12).unwrap_or(&r.notice_version)) } }
        } }
        p { (t("Le fichier joint, ", "The attached file, ")) code { (FILE_NAME) }
            (t(", contient tout cela sous forme lisible par machine (art. 20), avec vos soumissions signées telles que reçues et les ",
               ", holds all of this in machine-readable form (art. 20), with your signed submissions exactly as received and the "))
            (file.events.len())
            (t(" événements du registre qui vous concernent, avec leurs empreintes.", " ledger events about you, with their hashes.")) }
    }
}

/// The email's subject, text and HTML body: French first, English below.
pub fn summary(file: &SubjectFile, site: &Site) -> (String, String, Markup) {
    let controller = &site.config.controller().name;
    let subject = format!("Vos données / Your data — {controller}");
    let intro_fr = format!(
        "Suite à votre demande d'accès (RGPD art. 15), voici toutes les données que {controller} détient sur vous."
    );
    let intro_en =
        format!("Following your access request (GDPR art. 15), here is all the data {controller} holds about you.");
    let fr = summary_in(file, site, Locale::Fr);
    let en = summary_in(file, site, Locale::En);
    let text = format!("{intro_fr}\n\n{}\n\n---\n\n{intro_en}\n\n{}\n", text_of(&fr), text_of(&en));
    let body = html! {
        p { (intro_fr) }
        (fr)
        div lang="en" { hr; p { (intro_en) } (en) }
    };
    (subject, text, body)
}

/// A plain-text rendering of the summary's markup: its text, one line per heading, item or paragraph.
fn text_of(markup: &Markup) -> String {
    let html = markup.0.replace("<li>", "\n- ").replace("<h2>", "\n\n").replace("<p>", "\n\n").replace("<br>", "\n  ");
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'");
    text.replace("&amp;", "&").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::text_of;
    use maud::html;

    #[test]
    fn the_text_part_is_the_markup_unescaped() {
        let m = html! { h2 { "Données" } ul { li { "Nom : " ("<img src=x> & co") } } p { "fin" } };
        assert_eq!(text_of(&m), "Données\n- Nom : <img src=x> & co\n\nfin");
    }
}
