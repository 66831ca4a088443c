//! The yearly « mettez à jour votre profil » reminder (issue 15.2): at most once a year, to the people whose
//! consent in force covers a career profile field, a gentle word with their manage link — every field optional —
//! and a link to receive no more (`List-Unsubscribe` + `List-Unsubscribe-Post`, RFC 8058, and the same link in
//! the text: its page asks before anything changes, its POST records the opt-out). French first, then English;
//! dates as people write them, in the site's time zone. The HTML part is maud's: every value is escaped.
//!
//! Who gets it and when is decided by [`crate::ledger::Ledger::queue_profile_reminders`]; the opt-out page is
//! [`crate::routes::profile_reminder`].

use super::MailError;
use crate::keys::KeySet;
use crate::sites::Site;
use consent::Locale;
use consent::config::ProfileField;
use consent::signature::CollectorKey;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use maud::{DOCTYPE, Markup, html};
use serde::{Deserialize, Serialize};

/// The claims of the opt-out link. It does not expire (an opt-out must work for as long as the message can be
/// read); its field names tell it apart from every other token of the collector (none parses as another).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopClaims {
    /// The record the reminder was about (its subject is who opts out).
    pub stop_profile_reminders: String,
    /// The site.
    pub site: String,
    /// Issued, Unix seconds.
    pub iat: i64,
}

/// Signs the opt-out token for the subject of `record_id`.
pub fn sign_stop(key: &CollectorKey, site: &str, record_id: &str, now_ms: i64) -> String {
    let claims = StopClaims { stop_profile_reminders: record_id.to_owned(), site: site.to_owned(), iat: now_ms / 1000 };
    // Only strings and integers: signing cannot fail.
    key.sign_token(&claims).unwrap_or_default()
}

/// Opens an opt-out token signed by a key of the set.
pub fn open_stop(keys: &KeySet, token: &str) -> Option<StopClaims> {
    keys.verify_token(token).ok()
}

/// The opt-out link's absolute URL.
pub fn stop_url(public_url: &str, token: &str) -> String {
    format!("{}/profile-reminder/{token}", public_url.trim_end_matches('/'))
}

/// What the reminder says, in one language.
struct Words {
    subject: String,
    body: String,
    fields: String,
    update: String,
    stop: String,
    controller: String,
}

/// The links and dates one reminder carries.
#[derive(Debug, Clone)]
pub struct Reminder<'a> {
    /// The site.
    pub site: &'a Site,
    /// Sender address.
    pub from: &'a str,
    /// Recipient address.
    pub to: &'a str,
    /// The profile fields the person's consents cover.
    pub fields: Vec<&'a ProfileField>,
    /// Their manage link.
    pub manage_url: &'a str,
    /// When the manage link stops working (Unix ms).
    pub manage_until: i64,
    /// The opt-out link.
    pub stop_url: &'a str,
    /// The earliest the next reminder can come (Unix ms).
    pub next_at: i64,
}

fn words(r: &Reminder<'_>, locale: Locale) -> Words {
    let c = r.site.config.controller();
    let zone = r.site.config.time_zone();
    let (until, next) = (zone.date_time(r.manage_until, locale), zone.date(r.next_at, locale));
    let fields = r.fields.iter().map(|f| f.label.get(locale).to_owned()).collect::<Vec<_>>().join(", ");
    match locale {
        Locale::Fr => Words {
            subject: format!("Mettez à jour votre profil — {}", c.name),
            body: format!(
                "Bonjour,\n\nVotre parcours a peut-être changé depuis votre dernière visite. Si vous le souhaitez, \
                 mettez à jour votre profil\u{a0}: il aide {} dans les finalités auxquelles vous avez consenti. \
                 Tout y est facultatif, et rien ne change si vous ne faites rien.",
                c.name
            ),
            fields: format!("Ce que vous pouvez indiquer\u{a0}: {fields}."),
            update: format!("Mettre à jour mon profil (lien valable jusqu'au {until})\u{a0}:"),
            stop: format!(
                "Ce rappel vous est envoyé au plus une fois par an (le prochain, pas avant le {next}). Pour ne plus \
                 le recevoir\u{a0}:"
            ),
            controller: format!("Responsable de traitement\u{a0}: {}, {}, {}", c.name, c.address, c.email),
        },
        Locale::En => Words {
            subject: format!("Update your profile — {}", c.name),
            body: format!(
                "Hello,\n\nYour career may have changed since your last visit. If you wish, update your profile: it \
                 helps {} with the purposes you consented to. Everything in it is optional, and nothing changes \
                 if you do nothing.",
                c.name
            ),
            fields: format!("What you can tell: {fields}."),
            update: format!("Update my profile (link valid until {until}):"),
            stop: format!(
                "This reminder comes at most once a year (the next one not before {next}). To receive it no more:"
            ),
            controller: format!("Data controller: {}, {}, {}", c.name, c.address, c.email),
        },
    }
}

fn part_html(w: &Words, r: &Reminder<'_>, lang: &str) -> Markup {
    html! {
        div lang=(lang) {
            @for paragraph in w.body.split("\n\n") { p { (paragraph) } }
            p { (w.fields) }
            p { (w.update) br; a href=(r.manage_url) { (r.manage_url) } }
            p style="color:#4b5563;font-size:.9em" { (w.stop) br; a href=(r.stop_url) { (r.stop_url) } }
            p style="color:#4b5563;font-size:.9em" { (w.controller) }
        }
    }
}

/// The reminder's RFC 5322 bytes: French, then English.
pub fn compose(r: &Reminder<'_>) -> Result<Vec<u8>, MailError> {
    let from: Mailbox = r.from.parse().map_err(|_| MailError::Address)?;
    let to: Mailbox = r.to.parse().map_err(|_| MailError::Address)?;
    let (fr, en) = (words(r, Locale::Fr), words(r, Locale::En));
    let text = [&fr, &en]
        .iter()
        .map(|w| {
            format!(
                "{}\n\n{}\n\n{}\n{}\n\n{}\n{}\n\n{}\n",
                w.body, w.fields, w.update, r.manage_url, w.stop, r.stop_url, w.controller
            )
        })
        .collect::<Vec<_>>()
        .join("\n-- \n\n");
    let body = html! {
        (DOCTYPE)
        html lang="fr" {
            head { meta charset="utf-8"; }
            body style="font-family:sans-serif;line-height:1.5;max-width:40rem" {
                (part_html(&fr, r, "fr"))
                hr;
                (part_html(&en, r, "en"))
            }
        }
    }
    .into_string();
    let single = |kind: ContentType, body: String| SinglePart::builder().header(kind).body(body);
    let message = Message::builder().from(from).to(to).subject(format!("{} / {}", fr.subject, en.subject));
    super::one_click::list_unsubscribe(message, r.stop_url)
        .multipart(
            MultiPart::alternative()
                .singlepart(single(ContentType::TEXT_PLAIN, text))
                .singlepart(single(ContentType::TEXT_HTML, body)),
        )
        .map(|m| m.formatted())
        .map_err(|e| MailError::Build(e.to_string()))
}
