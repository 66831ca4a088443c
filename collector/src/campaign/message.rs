//! One campaign email: the school's text, then what the law asks every such message to carry — who writes
//! (the controller's identity), why the person receives it (a graduate of the school, the analogous-service rule
//! of CPCE L.34-5; or the consent they gave before), how to object in one click (`List-Unsubscribe` with
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, RFC 8058, and the same link in the text), and their
//! personal manage link, where they can give consent for the site's other purposes (unticked boxes) or see and
//! erase their data. French first, English second. The HTML part is maud's: every value is escaped.

use super::audience::Audience;
use super::template::Rendered;
use crate::mail::MailError;
use crate::sites::Site;
use consent::{LegalBasis, Locale};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// What one message needs beyond the rendered template.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    /// The site.
    pub site: &'a Site,
    /// Who it goes to (and so on which basis).
    pub audience: Audience,
    /// Sender address.
    pub from: &'a str,
    /// Recipient address.
    pub to: &'a str,
    /// The school's text, for this person.
    pub rendered: &'a Rendered,
    /// The one-click objection link.
    pub objection_url: &'a str,
    /// The person's manage link.
    pub manage_url: &'a str,
    /// For `legacy`: (purpose, evidence) of each consent from before to reconfirm.
    pub legacy: &'a [(String, String)],
}

/// The paragraphs added under the text, in one language.
struct Footer {
    why: String,
    object: String,
    manage: String,
    controller: String,
}

fn footer(letter: &Letter<'_>, locale: Locale) -> Footer {
    let config = &letter.site.config;
    let c = config.controller();
    let label = |id: &str| config.purpose(id).map_or_else(|| id.to_owned(), |p| p.label.get(locale).to_owned());
    let soft: Vec<String> = config
        .purposes()
        .iter()
        .filter(|p| p.basis == LegalBasis::SoftOptIn)
        .map(|p| p.label.get(locale).to_owned())
        .collect();
    let others = config.purposes().iter().any(|p| p.basis == LegalBasis::OptIn);
    let legacy: Vec<String> =
        letter.legacy.iter().map(|(p, evidence)| format!("« {} » ({evidence})", label(p))).collect();
    match locale {
        Locale::Fr => Footer {
            why: match letter.audience {
                Audience::SoftOptIn => format!(
                    "Vous recevez ce message parce que vous êtes diplômé(e) de {name}. Une école peut écrire à ses \
                     anciens élèves au sujet de services analogues à ses formations — ici\u{a0}: {soft} — tant \
                     qu'ils ne s'y opposent pas (article L.34-5 du Code des postes et des communications \
                     électroniques). Vous pouvez vous y opposer à tout moment, sans frais.",
                    name = c.name,
                    soft = soft.join(", ")
                ),
                Audience::Legacy => format!(
                    "Vous recevez ce message parce que vous avez donné à {name}, avant ce service, votre \
                     consentement pour\u{a0}: {legacy}. Il reste valable s'il a été recueilli conformément au RGPD\u{a0}; \
                     confirmez-le ou retirez-le par le lien ci-dessous.",
                    name = c.name,
                    legacy = legacy.join(", ")
                ),
            },
            object: "Ne plus recevoir ces messages (un clic)\u{a0}:".to_owned(),
            manage: if others {
                "Donner votre consentement pour nos autres finalités (cases non cochées), voir, corriger ou effacer \
                 vos données\u{a0}:"
                    .to_owned()
            } else {
                "Voir, corriger ou effacer vos données\u{a0}:".to_owned()
            },
            controller: format!("Responsable de traitement\u{a0}: {}, {}, {}", c.name, c.address, c.email),
        },
        Locale::En => Footer {
            why: match letter.audience {
                Audience::SoftOptIn => format!(
                    "You receive this message because you graduated from {name}. A school may write to its former \
                     students about services analogous to its programmes — here: {soft} — unless they object \
                     (French Postal and Electronic Communications Code, art. L.34-5). You may object at any time, \
                     free of charge.",
                    name = c.name,
                    soft = soft.join(", ")
                ),
                Audience::Legacy => format!(
                    "You receive this message because, before this service, you gave {name} your consent for: \
                     {legacy}. It stays valid if it was collected as the GDPR requires; confirm or withdraw it with \
                     the link below.",
                    name = c.name,
                    legacy = legacy.join(", ")
                ),
            },
            object: "Stop receiving these messages (one click):".to_owned(),
            manage: if others {
                "Give your consent for our other purposes (unticked boxes), see, correct or erase your data:".to_owned()
            } else {
                "See, correct or erase your data:".to_owned()
            },
            controller: format!("Data controller: {}, {}, {}", c.name, c.address, c.email),
        },
    }
}

fn footer_html(f: &Footer, letter: &Letter<'_>, lang: &str) -> Markup {
    html! {
        div lang=(lang) style="color:#4b5563;font-size:.9em" {
            p { (f.why) }
            p { (f.object) br; a href=(letter.objection_url) { (letter.objection_url) } }
            p { (f.manage) br; a href=(letter.manage_url) { (letter.manage_url) } }
            p { (f.controller) }
        }
    }
}

/// The message's RFC 5322 bytes.
pub fn compose(letter: &Letter<'_>) -> Result<Vec<u8>, MailError> {
    let c = letter.site.config.controller();
    let from = Mailbox::new(Some(c.name.clone()), letter.from.parse().map_err(|_| MailError::Address)?);
    let to: Mailbox = letter.to.parse().map_err(|_| MailError::Address)?;
    let (fr, en) = (footer(letter, Locale::Fr), footer(letter, Locale::En));
    let mut text = letter.rendered.text.clone();
    for f in [&fr, &en] {
        text.push_str(&format!(
            "\n\n-- \n{}\n\n{}\n{}\n\n{}\n{}\n\n{}",
            f.why, f.object, letter.objection_url, f.manage, letter.manage_url, f.controller
        ));
    }
    text.push('\n');
    let body = html! {
        (DOCTYPE)
        html lang="fr" {
            head { meta charset="utf-8"; }
            body style="font-family:sans-serif;line-height:1.5;max-width:40rem" {
                // pulldown-cmark's HTML of the school's Markdown, the recipients' values escaped in it
                // (template::Template::render): no raw HTML passes.
                (PreEscaped(&letter.rendered.html))
                hr;
                (footer_html(&fr, letter, "fr"))
                hr;
                (footer_html(&en, letter, "en"))
            }
        }
    }
    .into_string();
    let part = |kind: ContentType, body: String| SinglePart::builder().header(kind).body(body);
    let message = Message::builder().from(from).to(to).subject(&letter.rendered.subject).message_id(None);
    let message = crate::mail::one_click::list_unsubscribe(message, letter.objection_url)
        .multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, text))
                .singlepart(part(ContentType::TEXT_HTML, body)),
        )
        .map_err(|e| MailError::Build(e.to_string()))?;
    Ok(message.formatted())
}
